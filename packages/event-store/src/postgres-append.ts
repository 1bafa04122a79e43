/**
 * The SQL of a PostgreSQL append, and the fast path of a lone one.
 *
 * A lone append whose stream head this process knows (it wrote the head itself, or read it in a
 * locked transaction) is one statement, auto-committed: one round trip. The statement
 *   1. moves the stream row only if it still holds the revision and hash the events were chained
 *      to (an `UPDATE … WHERE revision = $ AND last_hash = $`, or for a new stream an insert whose
 *      conflict update requires revision -1): this takes the stream's row lock, and a concurrent
 *      writer's commit is re-checked against the newest row (READ COMMITTED's re-check);
 *   2. only then adds to `lt_head` (its row lock held to COMMIT: positions stay gap-free, as in the
 *      locked transaction, streams locked before the head in both);
 *   3. inserts the events and notifies.
 * When the head moved meanwhile, step 1 matches no row, nothing is written, and the caller falls
 * back to the locked transaction. Every statement is prepared (named) on its connection: with
 * parameters and no prepared statement the `postgres` driver describes first, one more round trip.
 */
import { hashCanonical } from './canonical.js';
import { GENESIS_HASH } from './hash.js';
import { NOTIFY_CHANNEL } from './postgres-schema.js';
import { prepareEvent, type PreparedEvent } from './sqlite-append.js';
import type { AppendResult, NewEvent, RecordedEvent } from './types.js';

/** How many stream heads a process remembers for the fast path (the least recently used are forgotten). */
export const HEADS_CACHED = 10_000;

/** What a process knows of a stream head: enough to hash the next event against it. */
export interface KnownHead {
  readonly revision: number;
  readonly lastHash: string;
}

/** The head a stream has before its first event. */
export const NEW_STREAM: KnownHead = { revision: -1, lastHash: GENESIS_HASH };

/** Stream heads this process wrote or read, most recent last; bounded. */
export class HeadCache {
  private readonly heads = new Map<string, KnownHead>();

  constructor(private readonly max = HEADS_CACHED) {}

  get(stream: string): KnownHead | undefined {
    return this.heads.get(stream);
  }

  set(stream: string, head: KnownHead): void {
    this.heads.delete(stream);
    this.heads.set(stream, head);
    if (this.heads.size > this.max) {
      const oldest = this.heads.keys().next();
      if (!oldest.done) this.heads.delete(oldest.value);
    }
  }

  forget(stream: string): void {
    this.heads.delete(stream);
  }
}

/** The events of one stream's append as parallel arrays (the statements' `unnest` parameters). */
export interface EventColumns {
  readonly ids: string[];
  readonly revisions: number[];
  readonly types: string[];
  readonly datas: string[];
  readonly metas: string[];
  readonly prevs: string[];
  readonly hashes: string[];
}

const INSERT_AND_NOTIFY = `
  c AS (UPDATE lt_head SET position = position + $6 WHERE id = 1 AND EXISTS (SELECT 1 FROM s) RETURNING position - $6 AS base),
  ins AS (
    INSERT INTO lt_events (position, id, stream, revision, type, data, metadata, prev_hash, hash)
    SELECT c.base + x.n, x.id, $1, x.revision, x.type, x.data, x.metadata, x.prev_hash, x.hash
    FROM c, unnest($7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
      WITH ORDINALITY AS x(id, revision, type, data, metadata, prev_hash, hash, n)
  ),
  note AS (SELECT pg_notify('${NOTIFY_CHANNEL}', (c.base + $6)::text) FROM c)
  SELECT c.base, (SELECT count(*) FROM note) AS notified FROM c`;

/**
 * Parameters: $1 stream, $2 expected head revision, $3 new head revision, $4 new head hash,
 * $5 expected head hash, $6 event count, $7–$13 the event columns. One row (`base`) when written.
 */
export const LONE_APPEND_SQL = `WITH s AS (
    UPDATE lt_streams SET revision = $3, last_hash = $4, updated_at = now()
    WHERE stream = $1 AND revision = $2 AND last_hash = $5
    RETURNING stream
  ),${INSERT_AND_NOTIFY}`;

/** The same for a stream that does not exist yet (or exists with no event: revision -1); $2 is -1. */
export const LONE_APPEND_NEW_STREAM_SQL = `WITH s AS (
    INSERT INTO lt_streams AS t (stream, revision, last_hash) VALUES ($1, $3, $4)
    ON CONFLICT (stream) DO UPDATE SET revision = EXCLUDED.revision, last_hash = EXCLUDED.last_hash, updated_at = now()
    WHERE t.revision = $2 AND t.last_hash = $5
    RETURNING stream
  ),${INSERT_AND_NOTIFY}`;

/** Hashes `events` in order onto `head`: the columns the append statements take. */
export function chain(stream: string, head: KnownHead, events: readonly PreparedEvent[]): EventColumns {
  const columns: EventColumns = { ids: [], revisions: [], types: [], datas: [], metas: [], prevs: [], hashes: [] };
  let revision = head.revision;
  let prevHash = head.lastHash;
  for (const e of events) {
    revision += 1;
    const hash = hashCanonical({ id: e.id, stream, revision, type: e.type, dataJson: e.dataJson, metadataJson: e.metadataJson }, prevHash);
    columns.ids.push(e.id);
    columns.revisions.push(revision);
    columns.types.push(e.type);
    columns.datas.push(e.dataJson);
    columns.metas.push(e.metadataJson);
    columns.prevs.push(prevHash);
    columns.hashes.push(hash);
    prevHash = hash;
  }
  return columns;
}

/** The recorded events of one append whose first event took position `base + 1`. */
export function toResult(stream: string, columns: EventColumns, events: readonly PreparedEvent[], base: number): AppendResult {
  const recorded: RecordedEvent[] = events.map((e, i) => ({
    id: e.id,
    stream,
    revision: columns.revisions[i] as number,
    position: base + i + 1,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    prevHash: columns.prevs[i] as string,
    hash: columns.hashes[i] as string,
  }));
  const last = recorded.at(-1)!;
  return { nextRevision: last.revision, position: last.position, events: recorded };
}

/** The parameters of `LONE_APPEND_SQL` / `LONE_APPEND_NEW_STREAM_SQL`, in order. */
export function loneAppendParameters(stream: string, head: KnownHead, columns: EventColumns): unknown[] {
  const last = columns.ids.length - 1;
  return [
    stream,
    head.revision,
    columns.revisions[last],
    columns.hashes[last],
    head.lastHash,
    columns.ids.length,
    columns.ids,
    columns.revisions,
    columns.types,
    columns.datas,
    columns.metas,
    columns.prevs,
    columns.hashes,
  ];
}

/**
 * The locked transaction's last statement, for any number of streams: positions from `lt_head`,
 * events, stream heads, notify. $1 count, $2–$9 ids, streams, revisions, types, data, metadata,
 * previous hashes, hashes.
 */
export const BATCH_INSERT_SQL = `WITH c AS (UPDATE lt_head SET position = position + $1 WHERE id = 1 RETURNING position - $1 AS base),
  ins AS (
    INSERT INTO lt_events (position, id, stream, revision, type, data, metadata, prev_hash, hash)
    SELECT c.base + x.n, x.id, x.stream, x.revision, x.type, x.data, x.metadata, x.prev_hash, x.hash
    FROM c, unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
      WITH ORDINALITY AS x(id, stream, revision, type, data, metadata, prev_hash, hash, n)
  ),
  heads AS (
    UPDATE lt_streams s SET revision = h.revision, last_hash = h.hash, updated_at = now()
    FROM (
      SELECT DISTINCT ON (stream) stream, revision, hash
      FROM unnest($3::text[], $4::bigint[], $9::text[]) WITH ORDINALITY AS y(stream, revision, hash, n)
      ORDER BY stream, n DESC
    ) AS h
    WHERE s.stream = h.stream
  ),
  note AS (SELECT pg_notify('${NOTIFY_CHANNEL}', (c.base + $1)::text) FROM c)
  SELECT c.base, (SELECT count(*) FROM note) AS notified FROM c`;

/** The locked transaction's first statements: new streams get a row (revision -1), then rows locked in name order. */
export const CREATE_STREAM_ROWS_SQL =
  'INSERT INTO lt_streams (stream, last_hash) SELECT s, $2 FROM unnest($1::text[]) AS s ORDER BY s ON CONFLICT DO NOTHING';

/** A stream's position is its head event's (0 when it has none), found through the (stream, revision) key. */
export const STREAM_POSITION = `COALESCE((SELECT e.position FROM lt_events e WHERE e.stream = s.stream AND e.revision = s.revision), 0)`;

export const LOCK_STREAMS_SQL = `SELECT s.stream, s.revision, ${STREAM_POSITION} AS position, s.last_hash
  FROM lt_streams s WHERE s.stream = ANY($1::text[]) ORDER BY s.stream FOR UPDATE`;

/** A lone append as a statement any driver can send (the benchmark sends it through `pg` too). */
export interface LoneAppendStatement {
  readonly text: string;
  readonly values: unknown[];
  /** The head after it, when it writes. */
  readonly next: KnownHead;
}

/** The statement of a lone append of `events` onto `head` (a new stream: revision -1 and the genesis hash). */
export function loneAppendStatement(stream: string, events: readonly NewEvent[], head: KnownHead = NEW_STREAM): LoneAppendStatement {
  const columns = chain(stream, head, events.map(prepareEvent));
  return {
    text: head.revision < 0 ? LONE_APPEND_NEW_STREAM_SQL : LONE_APPEND_SQL,
    values: loneAppendParameters(stream, head, columns),
    next: { revision: columns.revisions.at(-1) ?? head.revision, lastHash: columns.hashes.at(-1) ?? head.lastHash },
  };
}
