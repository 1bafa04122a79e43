/**
 * The hash-chain check behind `POST /v1/admin/audit/verify`, `lienthong verify` and export
 * verification: events are fed in global position order; each one must continue its stream
 * (next revision, `prevHash` = the previous event's hash) and hash to its recorded `hash`.
 */
import { hash } from 'node:crypto';
import { GENESIS_HASH, hashEvent, type EventMetadata } from '@lienthong/event-store';

/** An event as kept by an adapter, before or after parsing its JSON. */
export interface ChainEventBase {
  readonly position: number;
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** Stored text (the SQLite adapter keeps canonical JSON): hashed as is, so any altered byte shows. */
export interface StoredTextEvent extends ChainEventBase {
  readonly dataJson: string;
  readonly metadataJson: string;
}

/** Parsed event (any adapter, export lines): re-canonicalised by `hashEvent`. */
export interface ParsedEvent extends ChainEventBase {
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export type ChainEvent = StoredTextEvent | ParsedEvent;

/** The first event that does not hold, in global position order. */
export interface BrokenLink {
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  /** null when the problem is events missing at the end of a stream. */
  readonly eventId: string | null;
  readonly reason: string;
  /** The seal (seq) the finding is about, when it is about one. */
  readonly seal?: number;
}

/** Where a stream's chain is known to stand: its last revision and hash. */
export interface ChainHead {
  readonly revision: number;
  readonly hash: string;
}

/**
 * Same digest as the event store's `hashEvent`, computed from the stored canonical JSON text
 * (keys in RFC 8785 order; JSON.stringify quotes strings as RFC 8785 does). The unit spec
 * checks it against `hashEvent`.
 */
export function hashStoredText(e: Omit<StoredTextEvent, 'position' | 'prevHash' | 'hash'>, prevHash: string): string {
  return hash(
    'sha256',
    `${prevHash}\n{"data":${e.dataJson},"id":${quote(e.id)},"metadata":${e.metadataJson},"revision":${e.revision},"stream":${quote(e.stream)},"type":${quote(e.type)}}`,
    'hex',
  );
}

/** Characters JSON.stringify would escape; most ids, names and types have none. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const quote = (text: string): string => (NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`);

function isStoredText(e: ChainEvent): e is StoredTextEvent {
  return typeof (e as StoredTextEvent).dataJson === 'string' || typeof (e as StoredTextEvent).metadataJson === 'string';
}

const HEX64 = /^[0-9a-f]{64}$/;

export interface ChainCheckerOptions {
  /**
   * Accept a stream's first event as its own anchor (an export that starts mid-stream): its
   * revision and prevHash are taken as given; only its hash and what follows are checked.
   */
  readonly anchorUnknownStreams?: boolean;
  /** Known starting points per stream (e.g. from an export manifest). */
  readonly anchors?: ReadonlyMap<string, ChainHead>;
}

/** Checks events one by one; stops at the first broken one. Memory: one head per stream. */
export class ChainChecker {
  readonly heads = new Map<string, { revision: number; hash: string }>();
  checked = 0;
  broken: BrokenLink | undefined;

  constructor(private readonly options: ChainCheckerOptions = {}) {}

  /** False once the chain is broken (this event or an earlier one). */
  check(e: ChainEvent): boolean {
    if (this.broken) return false;
    const head = this.heads.get(e.stream);
    const reason = this.problemOf(e, head);
    if (reason) {
      this.broken = {
        stream: String(e.stream),
        revision: Number(e.revision),
        position: Number(e.position),
        eventId: typeof e.id === 'string' ? e.id : null,
        reason,
      };
      return false;
    }
    // In place: no allocation per event on the hot path.
    if (head) {
      head.revision = e.revision;
      head.hash = e.hash;
    } else this.heads.set(e.stream, { revision: e.revision, hash: e.hash });
    this.checked++;
    return true;
  }

  /** Marks the chain broken for a reason found outside the events (unreadable page, head mismatch). */
  fail(link: BrokenLink): void {
    this.broken ??= link;
  }

  private problemOf(e: ChainEvent, known: ChainHead | undefined): string | undefined {
    if (typeof e.stream !== 'string' || typeof e.id !== 'string' || typeof e.type !== 'string' || !Number.isInteger(e.revision))
      return 'unreadable event: id, stream, type or revision has the wrong type';
    let head = known ?? this.options.anchors?.get(e.stream);
    if (!head && this.options.anchorUnknownStreams) head = { revision: e.revision - 1, hash: e.prevHash };
    head ??= { revision: -1, hash: GENESIS_HASH };
    if (e.revision !== head.revision + 1)
      return head.revision === -1 && e.revision > 0
        ? `stream starts at revision ${e.revision}: revisions 0..${e.revision - 1} are missing`
        : `revision ${e.revision} follows revision ${head.revision}: events missing, duplicated or reordered`;
    if (e.prevHash !== head.hash) return `prevHash does not link to the hash of revision ${head.revision}`;
    let actual: string;
    try {
      actual = isStoredText(e) ? hashStoredText(e, e.prevHash) : hashEvent(e, e.prevHash);
    } catch (error) {
      return `unreadable event: ${(error as Error).message}`;
    }
    if (actual !== e.hash)
      return typeof e.hash !== 'string' || !HEX64.test(e.hash)
        ? 'hash is not a SHA-256 hex digest'
        : 'hash mismatch: the event content (type, data or metadata) or its hash was altered';
    return undefined;
  }
}
