/**
 * One append of the SQLite store inside the batch transaction: checked against its own expected
 * revision (heads re-read inside the transaction, so several processes can share the file),
 * hash-chained, and undone alone on a duplicate event id.
 */
import { canonicalJson, hashCanonical } from './canonical.js';
import { DuplicateEventIdError, WrongExpectedRevisionError } from './errors.js';
import { matchesExpected } from './expected-revision.js';
import type { Outcome } from './group-commit.js';
import { GENESIS_HASH } from './hash.js';
import { timeOrderedId } from './sqlite-event-ids.js';
import { isDuplicateIdError } from './sqlite-schema.js';
import type { Statements } from './sqlite-statements.js';
import type { AppendResult, EventMetadata, ExpectedRevision, NewEvent, RecordedEvent } from './types.js';

/** An event serialised before it is queued: a bad payload rejects only its own append. */
export interface PreparedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly dataJson: string;
  readonly metadataJson: string;
}

export interface PendingAppend {
  readonly stream: string;
  readonly events: readonly PreparedEvent[];
  readonly expected: ExpectedRevision;
}

/** A stream's head as the batch transaction left it so far. */
export interface Head {
  revision: number;
  position: number;
  lastHash: string;
  changed: boolean;
}

export function assertStreamName(stream: string): void {
  if (typeof stream !== 'string' || stream.length === 0) throw new TypeError('a stream name must be a non-empty string');
}

export function prepareEvent(event: NewEvent): PreparedEvent {
  if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError('an event type must be a non-empty string');
  if (event.metadata === null || typeof event.metadata !== 'object') throw new TypeError(`event ${event.type}: metadata is required`);
  // Stored text is canonical JSON, so a read-back event hashes to the same value.
  const data = event.data === undefined ? null : event.data;
  return {
    // Time-ordered (UUID v7): the unique index on ids grows at its end, one page per commit,
    // where random ids dirtied (and wrote to the WAL) one page of the index per event.
    id: event.id ?? timeOrderedId(),
    type: event.type,
    data,
    metadata: event.metadata,
    dataJson: canonicalJson(data),
    metadataJson: canonicalJson(event.metadata),
  };
}

/** One append inside the batch transaction; `heads` carries stream heads between appends. */
export function applyAppend(s: Statements, p: PendingAppend, heads: Map<string, Head>): Outcome<AppendResult> {
  let head = heads.get(p.stream);
  if (!head) {
    const row = s.head.get(p.stream);
    head =
      row && row.revision >= 0
        ? { revision: row.revision, position: row.position, lastHash: row.last_hash, changed: false }
        : { revision: -1, position: 0, lastHash: GENESIS_HASH, changed: false };
    heads.set(p.stream, head);
  }
  if (!matchesExpected(p.expected, head.revision)) {
    return { ok: false, error: new WrongExpectedRevisionError(p.stream, p.expected, head.revision) };
  }
  if (p.events.length === 0) {
    return { ok: true, result: { nextRevision: head.revision, position: head.position, events: [] } };
  }
  const recorded: RecordedEvent[] = [];
  let revision = head.revision;
  let prevHash = head.lastHash;
  let position = head.position;
  let current: PreparedEvent | undefined;
  try {
    for (const e of p.events) {
      current = e;
      revision += 1;
      const hash = hashCanonical(
        { id: e.id, stream: p.stream, revision, type: e.type, dataJson: e.dataJson, metadataJson: e.metadataJson },
        prevHash,
      );
      const info = s.insert.run(e.id, p.stream, revision, e.type, e.dataJson, e.metadataJson, prevHash, hash);
      position = Number(info.lastInsertRowid);
      recorded.push({
        id: e.id,
        stream: p.stream,
        revision,
        position,
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        prevHash,
        hash,
      });
      prevHash = hash;
    }
  } catch (error) {
    if (!isDuplicateIdError(error)) throw error;
    // Undo this append's rows only (cheaper than a savepoint on every append; positions may gap).
    const first = recorded[0];
    if (first) {
      s.deleteFrom.run(first.position);
      s.rewindPositions.run(first.position - 1);
    }
    return { ok: false, error: new DuplicateEventIdError(p.stream, current?.id ?? '') };
  }
  heads.set(p.stream, { revision, position, lastHash: prevHash, changed: true });
  return { ok: true, result: { nextRevision: revision, position, events: recorded } };
}
