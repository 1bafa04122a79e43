import { X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Element as XmlDomElement } from '@xmldom/xmldom';
import { decodeXmlBytes } from './decode.js';

// The DOM and XML-DSig libraries (CommonJS) are loaded on the first verification, not when the
// package is imported: a hub starts without them.
const require = createRequire(import.meta.url);
let libraries: { DOMParser: typeof import('@xmldom/xmldom').DOMParser; SignedXml: typeof import('xml-crypto').SignedXml } | undefined;
const dsig = () =>
  (libraries ??= {
    DOMParser: (require('@xmldom/xmldom') as typeof import('@xmldom/xmldom')).DOMParser,
    SignedXml: (require('xml-crypto') as typeof import('xml-crypto')).SignedXml,
  });

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

const SIGNATURE_ALGORITHMS: Record<string, string> = {
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'rsa-sha1',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'rsa-sha256',
};

const CANONICALIZATIONS = new Set([
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
  'http://www.w3.org/2001/10/xml-exc-c14n#',
  'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
]);

/** Who signed, as the embedded certificate says (not checked against any trust store). */
export interface SignerInfo {
  readonly subject?: string;
  readonly issuer?: string;
  readonly serialNumber?: string;
  readonly validFrom?: string;
  readonly validTo?: string;
}

/** Outcome of verifying an edXML package's enveloped XML-DSig signature. */
export interface SignatureVerification {
  readonly status: 'valid' | 'invalid' | 'absent';
  readonly signer?: SignerInfo;
  /** `rsa-sha1`, `rsa-sha256`, or the algorithm URI when it is another one. */
  readonly algorithm?: string;
  /** Why the signature is invalid. */
  readonly reason?: string;
}

const invalid = (reason: string, rest: Partial<SignatureVerification> = {}): SignatureVerification => ({
  status: 'invalid',
  reason,
  ...rest,
});

function children(el: XmlDomElement, local: string): XmlDomElement[] {
  const out: XmlDomElement[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as XmlDomElement).localName === local) out.push(n as XmlDomElement);
  }
  return out;
}

function descendant(el: XmlDomElement, local: string): XmlDomElement | undefined {
  const found = el.getElementsByTagNameNS('*', local);
  return found.length > 0 ? (found.item(0) ?? undefined) : undefined;
}

function describe(cert: X509Certificate): SignerInfo {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
  };
}

/** Best effort for messages the DOM refuses (e.g. an undeclared prefix): still say who claims to have signed. */
function signerOf(text: string): Partial<SignatureVerification> {
  const b64 = /<(?:\w+:)?X509Certificate>([^<]+)</.exec(text)?.[1];
  if (!b64) return {};
  try {
    return { signer: describe(new X509Certificate(Buffer.from(b64.replace(/\s+/g, ''), 'base64'))) };
  } catch {
    return {};
  }
}

/**
 * Verifies the enveloped XML-DSig signature of an edXML message (c14n or exc-c14n, rsa-sha1 or
 * rsa-sha256, `Reference URI=""`) with the key of the embedded X509Certificate. Never throws:
 * anything wrong (no parse, garbled certificate, bad digest) is `invalid` with a reason.
 *
 * It needs the whole message in memory as a DOM (several times its size): callers decide up to
 * which size to verify, e.g. verifying big packages from the file on disk in a worker.
 */
export function verifyEdxmlSignature(xml: string | Buffer): SignatureVerification {
  let text: string;
  try {
    text = typeof xml === 'string' ? xml : decodeXmlBytes(xml);
  } catch (err) {
    return invalid(`cannot decode the message: ${(err as Error).message}`);
  }
  // Same tolerance as the parser for bytes before the XML declaration; DTDs are never processed.
  const start = text.indexOf('<?xml');
  if (start > 0 && start < 1024 && !text.slice(0, start).includes('<')) text = text.slice(start);
  if (/<!DOCTYPE/i.test(text)) return invalid('DOCTYPE declarations are not accepted');

  let doc;
  try {
    const errors: string[] = [];
    doc = new (dsig().DOMParser)({
      onError: (level, msg) => {
        if (level !== 'warning') errors.push(msg);
      },
    }).parseFromString(text, 'text/xml');
    if (errors.length > 0 || !doc.documentElement) return invalid(`not well-formed XML: ${errors[0] ?? 'no root element'}`, signerOf(text));
  } catch (err) {
    return invalid(`not well-formed XML: ${(err as Error).message}`, signerOf(text));
  }

  const all = doc.getElementsByTagNameNS('*', 'Signature');
  let sig: XmlDomElement | undefined;
  let foreign: XmlDomElement | undefined;
  for (let i = 0; i < all.length; i++) {
    const el = all.item(i)!;
    if (el.namespaceURI === DSIG_NS) {
      sig ??= el;
    } else if (children(el, 'SignedInfo').length > 0) foreign ??= el;
  }
  if (!sig) {
    return foreign
      ? invalid(`the Signature element is in namespace ${foreign.namespaceURI ?? '(none)'}, not XML-DSig (${DSIG_NS})`)
      : { status: 'absent' };
  }

  const signedInfo = children(sig, 'SignedInfo')[0];
  const methodUri = signedInfo && children(signedInfo, 'SignatureMethod')[0]?.getAttribute('Algorithm');
  const algorithm = methodUri ? (SIGNATURE_ALGORITHMS[methodUri] ?? methodUri) : undefined;
  const withAlg = algorithm === undefined ? {} : { algorithm };
  if (!signedInfo) return invalid('no SignedInfo', withAlg);
  if (!methodUri || !SIGNATURE_ALGORITHMS[methodUri]) return invalid(`unsupported signature method ${methodUri ?? '(none)'}`, withAlg);
  const c14n = children(signedInfo, 'CanonicalizationMethod')[0]?.getAttribute('Algorithm');
  if (!c14n || !CANONICALIZATIONS.has(c14n)) return invalid(`unsupported canonicalization ${c14n ?? '(none)'}`, withAlg);
  const references = children(signedInfo, 'Reference');
  if (!references.some((r) => r.getAttribute('URI') === '')) {
    return invalid('the signature does not cover the whole document (no Reference URI="")', withAlg);
  }

  const certText = descendant(sig, 'X509Certificate')?.textContent?.replace(/\s+/g, '');
  if (!certText) return invalid('no X509Certificate in KeyInfo', withAlg);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(certText, 'base64'));
  } catch (err) {
    return invalid(`the embedded certificate cannot be read (truncated or garbled): ${(err as Error).message}`, withAlg);
  }
  const signer = describe(cert);

  try {
    const signed = new (dsig().SignedXml)({ publicCert: cert.toString(), getCertFromKeyInfo: () => null });
    signed.loadSignature(sig);
    const ok = signed.checkSignature(text);
    return ok
      ? { status: 'valid', signer, ...withAlg }
      : invalid('a reference digest does not match: the document was altered', { signer, ...withAlg });
  } catch (err) {
    const message = (err as Error).message;
    const reason = /signature value .* is incorrect/.test(message)
      ? 'the signature value does not match SignedInfo and the certificate key'
      : message;
    return invalid(reason, { signer, ...withAlg });
  }
}
