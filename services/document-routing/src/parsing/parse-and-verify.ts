import { verifyEdxmlSignature, type AttachmentSink, type EdxmlMessage, type SignatureVerification } from '@lienthong/edxml';
import { parseXmlBody, type BodyDigest } from '../intake.js';

export interface XmlParseOptions {
  readonly maxBytes: number;
  readonly keepUpTo: number;
  /** The sender gate: throwing (or rejecting) refuses the message before any attachment is stored. */
  readonly beforeAttachments?: (sender: string | null) => void | Promise<void>;
  /** Verify the XML signature of a document whose bytes were kept (where it was parsed). */
  readonly verify?: boolean;
}

export interface ParsedXml {
  readonly message: EdxmlMessage;
  readonly digest: BodyDigest;
  /**
   * When asked for (`verify`), the message is a signed document and its bytes were kept. A worker
   * that verified keeps the bytes (`digest.raw` null): the verdict is all the event loop needs.
   */
  readonly verification?: SignatureVerification;
}

/** Parses (and verifies, when asked) on the calling thread: the event loop, or a parse worker's. */
export async function parseAndVerify(
  body: Buffer | AsyncIterable<Buffer | string>,
  options: XmlParseOptions & { attachments: AttachmentSink },
): Promise<ParsedXml> {
  const { verify, ...parseOptions } = options;
  const parsed = await parseXmlBody(body, parseOptions);
  const { message, digest } = parsed;
  if (!verify || message.kind !== 'document' || !message.document.signature || digest.raw === null) return parsed;
  return { ...parsed, verification: verifyEdxmlSignature(digest.raw) };
}
