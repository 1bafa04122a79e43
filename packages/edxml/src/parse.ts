import type { Readable } from 'node:stream';
import type { AttachmentSink } from './attachments.js';
import { buildMessage } from './build.js';
import type { EdxmlMessage } from './build.js';
import { XmlBytesDecoder } from './decode.js';
import { EdxmlReader, defaultLimits } from './reader.js';
import type { EdxmlLimits } from './reader.js';

export interface ParseOptions {
  /** Receives each attachment's decoded content as it streams by. */
  readonly attachments: AttachmentSink;
  readonly limits?: Partial<EdxmlLimits>;
  /**
   * Called once, before the first attachment reaches the sink, with `MessageHeader/From/OrganId`
   * as read so far (null when absent): throwing refuses the message before anything is stored.
   */
  readonly beforeAttachments?: (sender: string | null) => void | Promise<void>;
}

/** Bytes are read in slices of this size so a large Buffer is handled like a stream. */
const SLICE = 64 * 1024;

/**
 * Parses an edXML document or status message, in any of the vendor variants, streaming
 * attachment content into `options.attachments`. A string is taken as already decoded text;
 * bytes (Buffer or stream) are decoded per BOM / XML declaration (UTF-8, or UTF-16 with a BOM).
 *
 * Throws `EdxmlSyntaxError`, `EdxmlEncodingError`, `EdxmlRefusedError` or `EdxmlValidationError`.
 */
export async function parseEdxml(input: Buffer | Uint8Array | string | Readable, options: ParseOptions): Promise<EdxmlMessage> {
  const reader = new EdxmlReader(options.attachments, { ...defaultLimits, ...options.limits }, options.beforeAttachments);
  try {
    if (typeof input === 'string') {
      for (let i = 0; i < input.length; i += SLICE) await reader.write(input.slice(i, i + SLICE));
    } else {
      const decoder = new XmlBytesDecoder();
      if (input instanceof Uint8Array) {
        for (let i = 0; i < input.byteLength; i += SLICE) await reader.write(decoder.push(input.subarray(i, i + SLICE)));
      } else {
        for await (const chunk of input) {
          const bytes: Uint8Array = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
          await reader.write(decoder.push(bytes));
        }
      }
      await reader.write(decoder.end());
    }
    return buildMessage(await reader.end());
  } catch (err) {
    await reader.abort();
    throw err;
  }
}
