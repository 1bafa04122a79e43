import t from 'tap';
import { SignedXml } from 'xml-crypto';
import { verifyEdxmlSignature } from './signature.js';
import { fixture, realFixtures } from './test/fixtures.js';
import { makeTestSigner } from './test/certificate.js';

const signer = makeTestSigner();

/** A small unsigned status message, the fixture minus nothing. */
const sample = fixture('status_acceptance_03.edxml').toString('utf8');

const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

function sign(xml: string, c14n: string, algorithm: string): string {
  const digest = algorithm === RSA_SHA1 ? 'http://www.w3.org/2000/09/xmldsig#sha1' : 'http://www.w3.org/2001/04/xmlenc#sha256';
  const sig = new SignedXml({
    privateKey: signer.privateKeyPem,
    publicCert: signer.certificatePem,
    canonicalizationAlgorithm: c14n,
    signatureAlgorithm: algorithm,
  });
  sig.addReference({
    xpath: '/*',
    uri: '',
    isEmptyUri: true,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', c14n],
    digestAlgorithm: digest,
  });
  // Enveloped in edXMLHeader, after MessageHeader, as QCVN 102 places it.
  sig.computeSignature(xml, {
    location: { reference: "//*[local-name(.)='MessageHeader']", action: 'after' },
  });
  return sig.getSignedXml();
}

for (const c14n of [C14N, EXC_C14N]) {
  for (const alg of [RSA_SHA1, RSA_SHA256]) {
    const label = `${c14n === C14N ? 'c14n' : 'exc-c14n'} + ${alg === RSA_SHA1 ? 'rsa-sha1' : 'rsa-sha256'}`;
    t.test(label, async (t) => {
      const signed = sign(sample, c14n, alg);
      t.match(signed, /<Signature xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#">/);
      const ok = verifyEdxmlSignature(signed);
      t.equal(ok.status, 'valid', ok.reason ?? 'valid');
      t.equal(ok.algorithm, alg === RSA_SHA1 ? 'rsa-sha1' : 'rsa-sha256');
      t.match(ok.signer?.subject ?? '', /CN=Văn thư Sở TTTT test/);
      t.equal(ok.signer?.serialNumber?.toLowerCase(), '0a1b2c3d');
      t.equal(verifyEdxmlSignature(Buffer.from(signed, 'utf8')).status, 'valid', 'from a Buffer too');

      // One byte of signed content changed: the reference digest no longer matches.
      const tampered = signed.replace('<edXML:StatusCode>03<', '<edXML:StatusCode>02<');
      t.not(tampered, signed);
      const bad = verifyEdxmlSignature(tampered);
      t.equal(bad.status, 'invalid');
      t.match(bad.reason, /digest|altered/);

      // The signature value itself damaged.
      const badValue = signed.replace(/<SignatureValue>(.)/, (_m, c: string) => `<SignatureValue>${c === 'A' ? 'B' : 'A'}`);
      const v = verifyEdxmlSignature(badValue);
      t.equal(v.status, 'invalid');
      t.match(v.reason, /signature value/);
    });
  }
}

t.test('a message signed by another key than the embedded certificate is invalid', async (t) => {
  const other = makeTestSigner('Someone else');
  const signed = sign(sample, EXC_C14N, RSA_SHA256);
  const swapped = signed.replace(
    /<X509Certificate>[^<]+<\/X509Certificate>/,
    `<X509Certificate>${other.certificatePem.replace(/-----[^-]+-----|\s/g, '')}</X509Certificate>`,
  );
  const v = verifyEdxmlSignature(swapped);
  t.equal(v.status, 'invalid');
  t.match(v.signer?.subject ?? '', /Someone else/);
});

t.test('no Signature element → absent', async (t) => {
  t.same(verifyEdxmlSignature(sample), { status: 'absent' });
});

t.test('garbage never throws', async (t) => {
  for (const input of ['', 'not xml', '<a><b></a>', Buffer.from([0xff, 0xfe, 0x00]), '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>']) {
    const v = verifyEdxmlSignature(input);
    t.equal(v.status, 'invalid', String(input));
    t.type(v.reason, 'string');
  }
});

t.test('real fixtures: signed ones are invalid (truncated certificate), unsigned ones absent, none throws', async (t) => {
  for (const f of realFixtures()) {
    const v = verifyEdxmlSignature(f.bytes);
    if (f.bytes.includes('<SignedInfo>')) {
      t.equal(v.status, 'invalid', f.name);
      t.type(v.reason, 'string', `${f.name}: ${v.reason}`);
    } else {
      t.equal(v.status, 'absent', f.name);
    }
  }
  const edoc = verifyEdxmlSignature(fixture('edoc.edxml'));
  t.match(edoc.reason, /prefix/, 'the one XML-DSig fixture uses the edXML prefix outside its declaration');
  t.match(edoc.signer?.subject ?? '', /TRẦN ANH TUẤN/, 'its signer is still reported');
  t.match(verifyEdxmlSignature(fixture('edoc_new.edxml')).reason, /namespace/);
  t.match(verifyEdxmlSignature(fixture('edoc_update.edxml')).reason, /namespace/, 'the others put Signature in the edXML namespace');
});
