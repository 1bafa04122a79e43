import { SignedXml } from 'xml-crypto';
import { makeTestSigner } from '../../../../packages/edxml/src/test/certificate.js';

const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';

/** Signs edXML as QCVN 102 places it (enveloped, after MessageHeader, rsa-sha256) with a throw-away certificate. */
export function signEdxml(xml: string): string {
  const signer = makeTestSigner();
  const sig = new SignedXml({
    privateKey: signer.privateKeyPem,
    publicCert: signer.certificatePem,
    canonicalizationAlgorithm: C14N,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  });
  sig.addReference({
    xpath: '/*',
    uri: '',
    isEmptyUri: true,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', C14N],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, { location: { reference: "//*[local-name(.)='MessageHeader']", action: 'after' } });
  return sig.getSignedXml();
}
