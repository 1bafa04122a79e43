import type { RawData } from 'ws';
import { z } from 'zod';
import { AppError, parseWith } from '@lienthong/service-kit';

/** What a recipient sends over `/v1/stream` (the HTTP ack route takes the same ids). */
const StreamMessage = z.object({ type: z.literal('ack'), deliveryId: z.string().min(1).max(64) });
export type StreamMessage = z.infer<typeof StreamMessage>;

const USAGE = 'send {"type":"ack","deliveryId":"…"}';

const bytesOf = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

/**
 * A client's frame as a message, or a 400 naming what is wrong with it. `ws` has already checked
 * the frame itself (size, UTF-8 of text, fragments reassembled); any JSON value may come here.
 */
export function parseStreamMessage(data: RawData, isBinary: boolean): StreamMessage {
  if (isBinary) throw new AppError('LT_MALFORMED_BODY', `messages are JSON text frames, not binary ones; ${USAGE}`);
  let value: unknown;
  try {
    value = JSON.parse(bytesOf(data).toString('utf8'));
  } catch (error) {
    throw new AppError('LT_MALFORMED_BODY', `messages are JSON; ${USAGE}`, { cause: error });
  }
  // The usual frame, checked by hand (zod allocates per parse, once per ack); anything else gets
  // zod's answer naming what is wrong.
  if (typeof value === 'object' && value !== null) {
    const { type, deliveryId } = value as { type?: unknown; deliveryId?: unknown };
    if (type === 'ack' && typeof deliveryId === 'string' && deliveryId.length >= 1 && deliveryId.length <= 64) return { type, deliveryId };
  }
  return parseWith(StreamMessage, value, 'message');
}
