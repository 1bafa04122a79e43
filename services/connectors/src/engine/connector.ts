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

/** One connector kind: how an event becomes a request, and how the answer is read. */
export interface ConnectorKindAdapter {
  /** Event types sent when the registration names none; null = every event (outside `connector-` streams). */
  readonly defaultEventTypes: readonly string[] | null;
  /** Streams this kind can map (null = any). */
  readonly streamPrefixes: readonly string[] | null;
  /** `receipt`: the stream's first event, for kinds that repeat the receipt's facts in every message. */
  build(
    event: RecordedEvent,
    context: { readonly secret: string; readonly receipt: () => Promise<RecordedEvent | undefined> },
  ): Promise<OutgoingRequest>;
  interpret(answer: PostAnswer): Outcome;
}

/** Members that hold sealed personal data (`applicantSealed`…) or secrets' hashes: never leave the hub. */
export function withoutSealed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSealed);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (/sealed$/iu.test(key) || key === 'pinHash') continue;
    out[key] = withoutSealed(member);
  }
  return out;
}
