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
import { matchesExpected } from './expected-revision.js';
import { GENESIS_HASH } from './hash.js';
import { NOTIFY_CHANNEL } from './postgres-schema.js';
import { prepareEvent, type PreparedEvent } from './sqlite-append.js';
import type { AppendResult, ExpectedRevision, NewEvent, RecordedEvent } from './types.js';

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

/**
 * A batch of appends whose stream heads this process knows, as one auto-committed statement: each
 * stream row moves only if it still holds the revision and hash its events were chained to (a new
 * stream's row: inserted, or moved from revision -1), then `lt_head` takes as many positions as the
 * events of the streams that moved, their events are inserted in batch order and notified. A
 * stream whose head moved meanwhile writes nothing and is left out (`written` does not name it):
 * its appends go to the locked transaction. Streams are moved before `lt_head` is touched (its
 * count reads every moved row first), as in the locked transaction.
 *
 * Parameters: $1–$5 per stream (name, head revision and hash chained to, new revision and hash),
 * $6 the genesis hash, $7–$14 the events (ids, streams, revisions, types, data, metadata,
 * previous hashes, hashes) in batch order. One row: `base` (null when nothing was written) and
 * `written`, the streams that moved.
 */
export const KNOWN_HEADS_APPEND_SQL = `WITH w AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[])
      AS w(stream, prev_revision, prev_hash, revision, hash)
  ),
  fresh AS (
    INSERT INTO lt_streams AS t (stream, revision, last_hash)
    SELECT w.stream, w.revision, w.hash FROM w WHERE w.prev_revision < 0 ORDER BY w.stream
    ON CONFLICT (stream) DO UPDATE SET revision = EXCLUDED.revision, last_hash = EXCLUDED.last_hash, updated_at = now()
    WHERE t.revision = -1 AND t.last_hash = $6
    RETURNING t.stream
  ),
  moved AS (
    UPDATE lt_streams s SET revision = w.revision, last_hash = w.hash, updated_at = now()
    FROM w
    WHERE w.prev_revision >= 0 AND s.stream = w.stream AND s.revision = w.prev_revision AND s.last_hash = w.prev_hash
    RETURNING s.stream
  ),
  ok AS (SELECT stream FROM fresh UNION ALL SELECT stream FROM moved),
  x AS (
    SELECT e.*, row_number() OVER (ORDER BY e.n) AS k
    FROM unnest($7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
      WITH ORDINALITY AS e(id, stream, revision, type, data, metadata, prev_hash, hash, n)
    WHERE e.stream IN (SELECT stream FROM ok)
  ),
  total AS (SELECT count(*) AS events, (SELECT count(*) FROM ok) AS streams FROM x),
  c AS (
    UPDATE lt_head SET position = lt_head.position + total.events FROM total
    WHERE lt_head.id = 1 AND total.events > 0 AND total.streams > 0
    RETURNING lt_head.position - total.events AS base, total.events AS events
  ),
  ins AS (
    INSERT INTO lt_events (position, id, stream, revision, type, data, metadata, prev_hash, hash)
    SELECT c.base + x.k, x.id, x.stream, x.revision, x.type, x.data, x.metadata, x.prev_hash, x.hash FROM c, x
  ),
  note AS (SELECT pg_notify('${NOTIFY_CHANNEL}', (c.base + c.events)::text) FROM c)
  SELECT (SELECT base FROM c) AS base, ARRAY(SELECT stream FROM ok) AS written, (SELECT count(*) FROM note) AS notified`;

/** One append of a batch, as the planner sees it. */
export interface BatchAppend {
  readonly stream: string;
  readonly events: readonly PreparedEvent[];
  readonly expected: ExpectedRevision;
}

/** The appends of one stream in a batch, chained in order onto the head this process knows. */
export interface KnownStream {
  readonly stream: string;
  readonly head: KnownHead;
  /** Indexes into the batch, in order, with each append's columns. */
  readonly appends: ReadonlyArray<{ readonly index: number; readonly columns: EventColumns }>;
  /** The head after the last of them. */
  readonly next: KnownHead;
}

/**
 * Splits a batch into the streams whose heads this process knows (each append non-empty and
 * matching its expected revision on the chained head) and the indexes of the other appends (head
 * unknown, a conflict to confirm, an empty append): those take the locked transaction. A stream's
 * appends go all one way.
 */
export function planKnownHeads(
  batch: readonly BatchAppend[],
  known: (stream: string) => KnownHead | undefined,
): { streams: KnownStream[]; rest: number[] } {
  const byStream = new Map<string, number[]>();
  batch.forEach((a, index) => {
    const list = byStream.get(a.stream);
    if (list) list.push(index);
    else byStream.set(a.stream, [index]);
  });
  const streams: KnownStream[] = [];
  const rest: number[] = [];
  for (const [stream, indexes] of byStream) {
    const firstExpected = (batch[indexes[0]!] as BatchAppend).expected;
    const start = known(stream) ?? (firstExpected === 'no_stream' ? NEW_STREAM : undefined);
    let head = start;
    const appends: Array<{ index: number; columns: EventColumns }> = [];
    for (const index of indexes) {
      const a = batch[index] as BatchAppend;
      if (!head || a.events.length === 0 || !matchesExpected(a.expected, head.revision)) {
        head = undefined;
        break;
      }
      const columns = chain(stream, head, a.events);
      appends.push({ index, columns });
      head = { revision: columns.revisions.at(-1) as number, lastHash: columns.hashes.at(-1) as string };
    }
    if (start && head) streams.push({ stream, head: start, appends, next: head });
    else rest.push(...indexes);
  }
  rest.sort((a, b) => a - b);
  return { streams, rest };
}

/** The parameters of `KNOWN_HEADS_APPEND_SQL` for `streams`, in order. */
export function knownHeadsParameters(streams: readonly KnownStream[]): unknown[] {
  return [
    streams.map((s) => s.stream),
    streams.map((s) => s.head.revision),
    streams.map((s) => s.head.lastHash),
    streams.map((s) => s.next.revision),
    streams.map((s) => s.next.lastHash),
    GENESIS_HASH,
    ...eventParameters(streams.flatMap((s) => s.appends.map((a) => ({ stream: s.stream, columns: a.columns })))),
  ];
}

/**
 * The event arrays of a multi-row insert, in the order both batch statements take them: ids,
 * each event's stream, revisions, types, datas, metas, prevs, hashes (every append's events in turn).
 */
export function eventParameters(appends: ReadonlyArray<{ readonly stream: string; readonly columns: EventColumns }>): unknown[][] {
  const flat = (pick: (c: EventColumns) => readonly unknown[]): unknown[] => appends.flatMap(({ columns }) => pick(columns));
  return [
    flat((c) => c.ids),
    appends.flatMap(({ stream, columns }) => columns.ids.map(() => stream)),
    flat((c) => c.revisions),
    flat((c) => c.types),
    flat((c) => c.datas),
    flat((c) => c.metas),
    flat((c) => c.prevs),
    flat((c) => c.hashes),
  ];
}

/**
 * The events of an append as a subscription reads them back: data and metadata parsed from the
 * stored text (not the caller's objects), for the live window of this process's own commits.
 */
export function asRead(result: AppendResult, columns: EventColumns): RecordedEvent[] {
  return result.events.map((e, i) => ({
    ...e,
    data: JSON.parse(columns.datas[i] as string) as unknown,
    metadata: JSON.parse(columns.metas[i] as string) as RecordedEvent['metadata'],
  }));
}

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
