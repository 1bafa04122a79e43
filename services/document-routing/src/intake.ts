import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
// The error classes alone: a parse worker thread loads this module, not the whole HTTP kit.
import { AppError } from '@lienthong/service-kit/errors';
import { EdxmlError, EdxmlRefusedError, EdxmlValidationError, parseEdxml, type AttachmentSink, type EdxmlMessage } from '@lienthong/edxml';

/** What was read of a streamed body: its hash, its size, and the bytes themselves when small enough to keep. */
export interface BodyDigest {
  readonly sha256: string;
  readonly size: number;
  /** null when the body was larger than `keepUpTo`. */
  readonly raw: Buffer | null;
}

const bodyTooLarge = (maxBytes: number) => new AppError('LT_BODY_TOO_LARGE', `the body is larger than ${maxBytes} bytes (LT_MAX_BODY_MB)`);

/**
 * Passes a request body through, counting (413 past `maxBytes`, whatever Content-Length said),
 * hashing, and keeping a copy up to `keepUpTo` bytes (for signature verification).
 */
export function meter(
  source: AsyncIterable<Buffer | string>,
  maxBytes: number,
  keepUpTo: number,
): { stream: Readable; digest(): BodyDigest } {
  const hash = createHash('sha256');
  let size = 0;
  let kept: Buffer[] | null = [];
  // Stopping early must not destroy the request: the client still gets its 400 or 413.
  const pieces: AsyncIterable<Buffer | string> = source instanceof Readable ? source.iterator({ destroyOnReturn: false }) : source;
  async function* pass(): AsyncGenerator<Buffer> {
    for await (const piece of pieces) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
      size += chunk.length;
      if (size > maxBytes) throw bodyTooLarge(maxBytes);
      hash.update(chunk);
      if (kept !== null) {
        if (size <= keepUpTo) kept.push(chunk);
        else kept = null;
      }
      yield chunk;
    }
  }
  let digest: BodyDigest | undefined;
  return {
    stream: Readable.from(pass(), { objectMode: false }),
    digest: () => (digest ??= { sha256: hash.digest('hex'), size, raw: kept === null ? null : Buffer.concat(kept) }),
  };
}

/** edXML errors become 400s naming what is wrong; everything else (413 from `meter`, I/O) passes unchanged. */
export function edxmlProblem(error: unknown): unknown {
  if (!(error instanceof EdxmlError)) return error;
  if (error instanceof EdxmlValidationError)
    return new AppError('LT_VALIDATION', error.message, {
      errors: error.issues.map((i) => ({ path: `body/${i.path}`, message: i.message })),
      cause: error,
    });
  if (error instanceof EdxmlRefusedError)
    return new AppError('LT_MALFORMED_BODY', error.message, { extensions: { refused: error.reason }, cause: error });
  return new AppError('LT_MALFORMED_BODY', error.message, { cause: error });
}

/** What `meter` says of a body read whole: the same checks, without passing it through a stream. */
function digestOf(body: Buffer, maxBytes: number, keepUpTo: number): BodyDigest {
  if (body.length > maxBytes) throw bodyTooLarge(maxBytes);
  return { sha256: createHash('sha256').update(body).digest('hex'), size: body.length, raw: body.length <= keepUpTo ? body : null };
}

/** Parses an edXML body, streamed or read whole (a parse worker's), attachments going into the sink. */
export async function parseXmlBody(
  body: Buffer | AsyncIterable<Buffer | string>,
  options: { attachments: AttachmentSink; maxBytes: number; keepUpTo: number; beforeAttachments?: (sender: string | null) => void },
): Promise<{ message: EdxmlMessage; digest: BodyDigest }> {
  const parseOptions = {
    attachments: options.attachments,
    ...(options.beforeAttachments ? { beforeAttachments: options.beforeAttachments } : {}),
  };
  if (Buffer.isBuffer(body)) {
    const digest = digestOf(body, options.maxBytes, options.keepUpTo);
    try {
      return { message: await parseEdxml(body, parseOptions), digest };
    } catch (error) {
      throw edxmlProblem(error);
    }
  }
  const metered = meter(body, options.maxBytes, options.keepUpTo);
  try {
    const message = await parseEdxml(metered.stream, parseOptions);
    return { message, digest: metered.digest() };
  } catch (error) {
    throw edxmlProblem(error);
  }
}

/** Whether a parsed body is a stream (XML bodies are handed through unbuffered). */
export function isStream(body: unknown): body is AsyncIterable<Buffer | string> & { readableEnded?: boolean } {
  return (
    typeof body === 'object' && body !== null && Symbol.asyncIterator in body && typeof (body as { pipe?: unknown }).pipe === 'function'
  );
}
