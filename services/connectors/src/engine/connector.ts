import type { RecordedEvent } from '@lienthong/event-store';
import type { PostAnswer } from './http-post.js';

/** What a receiver's answer means for one delivery. */
export type Outcome =
  | { readonly ok: true }
  /** `permanent`: the receiver refused this event for good (dead letter now); otherwise retry later. */
  | { readonly ok: false; readonly permanent: boolean; readonly reason: string };

export interface OutgoingRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What a kind may use to build a request: the connector's secret, and a stream's first event. */
export interface BuildContext {
  readonly secret: string;
  readonly receipt: (stream: string) => Promise<RecordedEvent | undefined>;
}

/** One connector kind: how an event becomes a request, and how the answer is read. */
export interface ConnectorKindAdapter {
  /** Event types sent when the registration names none; null = every event (outside `connector-` streams). */
  readonly defaultEventTypes: readonly string[] | null;
  /** Streams this kind can map (null = any). */
  readonly streamPrefixes: readonly string[] | null;
  /** `receipt(stream)`: the stream's first event, for kinds that repeat the receipt's facts in every message. */
  build(event: RecordedEvent, context: BuildContext): Promise<OutgoingRequest>;
  interpret(answer: PostAnswer): Outcome;
}

const isSealedKey = (key: string) => key === 'pinHash' || /sealed$/iu.test(key);

/** True when `value` holds a member `withoutSealed` leaves out, at any depth. */
function holdsSealed(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(holdsSealed);
  for (const key in value) if (isSealedKey(key) || holdsSealed((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * Members that hold sealed personal data (`applicantSealed`…) or secrets' hashes: never leave the
 * hub. The value itself when it holds none (most events: no copy), else a copy without them.
 */
export function withoutSealed(value: unknown): unknown {
  return holdsSealed(value) ? copyWithoutSealed(value) : value;
}

function copyWithoutSealed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyWithoutSealed);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (isSealedKey(key)) continue;
    out[key] = copyWithoutSealed(member);
  }
  return out;
}
