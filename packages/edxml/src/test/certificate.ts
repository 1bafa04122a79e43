import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

/** A throw-away RSA key and self-signed certificate for signing tests. */
export interface TestSigner {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

export function makeTestSigner(commonName = 'Văn thư Sở TTTT test'): TestSigner {
  // node:crypto makes the key fast; forge only builds and signs the X.509 certificate.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privateKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = '0a1b2c3d';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  const attrs: forge.pki.CertificateField[] = [
    { shortName: 'CN', value: commonName, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class },
    { shortName: 'O', value: 'lienthong tests' },
    { shortName: 'C', value: 'VN' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(forgeKey, forge.md.sha256.create());
  return { privateKeyPem, certificatePem: forge.pki.certificateToPem(cert) };
}
