import { EventEmitter } from 'node:events';
import { resolve as resolvePath } from 'node:path';
import Database from 'better-sqlite3';
import { checkpointInBackground, type EventStore, type RecordedEvent } from '@lienthong/event-store';
import { silentLogger, type BusLogger } from './logger.js';
import { BusUnavailableError } from './types.js';
import type { Bus, ConsumeOptions, Consumer, EventHandler, PublishOptions } from './types.js';
import { assertDurableName, assertServiceName, sleep } from './util.js';

export interface SqliteBusOptions {
  /** The log file, e.g. `<dataDir>/bus.sqlite`; created when missing. */
  readonly file: string;
  /** How often idle consumers look for messages written by other processes; default 250 ms. */
  readonly pollIntervalMs?: number;
  readonly logger?: BusLogger | undefined;
  /**
   * The event store the relays publish from. Events published with this store as their
   * `source` are logged as a reference (their global position) instead of a copy, and read from
   * the store when a consumer takes them: the log stays a few dozen bytes per event. A log
   * holding references must be opened with the store again.
   */
  readonly store?: EventStore | undefined;
}

export interface PruneOptions {
  /** Keep messages younger than this even when every durable has acknowledged them (dedupe window). */
  readonly keepMs?: number;
}

/** The in-process bus: the `Bus` contract over a SQLite log, durable across restarts. */
export interface SqliteBus extends Bus {
  /**
   * Deletes messages every durable consumer has acknowledged (and older than `keepMs`).
   * Their ids stop being deduplicated, and a durable created later will not see them.
   * Returns how many were deleted.
   */
  prune(options?: PruneOptions): Promise<number>;
}

interface MessageRow {
  seq: number;
  id: string;
  service: string;
  type: string;
  /** The event's JSON; '' for a reference. */
  payload: string;
  /** A reference: the event's global position in the store. */
  position: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, even after prune
  id           TEXT NOT NULL UNIQUE,              -- event id: the dedupe key
  service      TEXT NOT NULL,
  type         TEXT NOT NULL,
  payload      TEXT NOT NULL,                     -- the event's JSON, or '' for a reference
  published_at INTEGER NOT NULL,
  position     INTEGER                            -- a reference: the event's global position in the store
);
CREATE INDEX IF NOT EXISTS messages_by_service ON messages (service, seq);
CREATE TABLE IF NOT EXISTS consumers (
  name       TEXT PRIMARY KEY,
  acked_seq  INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);`;

const BATCH = 100;
/** Most events one store read returns when resolving a batch's references. */
const READ_SPAN = 1_000;

/** Logs created before references had no `position` column. */
function addPositionColumn(db: Database.Database): void {
  db.transaction(() => {
    const columns = db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('messages')`).all();
    if (!columns.some((c) => c.name === 'position')) db.exec('ALTER TABLE messages ADD COLUMN position INTEGER');
  }).immediate();
}

/**
 * Reads the events at these positions (ascending) from the store: from the first one on, only
 * events of the batch's types (the store parses no other service's events in between).
 */
async function readPositions(
  store: EventStore,
  positions: readonly number[],
  types: readonly string[],
): Promise<Map<number, RecordedEvent>> {
  const found = new Map<number, RecordedEvent>();
  for (let i = 0; i < positions.length;) {
    const events = await store.readAll({
      after: positions[i]! - 1,
      maxCount: Math.min(positions.length - i, READ_SPAN),
      eventTypes: types,
    });
    if (events.length === 0) break; // what is missing fails the batch (eventsOf)
    for (const event of events) found.set(event.position, event);
    const readTo = events.at(-1)!.position;
    while (i < positions.length && positions[i]! <= readTo) i++;
  }
  return found;
}

/** One emitter per file, so a publish wakes consumers of every bus instance of this process on it. */
const wakers = new Map<string, EventEmitter>();
function wakerFor(file: string): EventEmitter {
  let emitter = wakers.get(file);
  if (emitter === undefined) {
    emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    wakers.set(file, emitter);
  }
  return emitter;
}

export function createSqliteBus(options: SqliteBusOptions): SqliteBus {
  const logger = options.logger ?? silentLogger;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const file = resolvePath(options.file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash (the contract); only an OS crash may lose the tail.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  addPositionColumn(db);
  const store = options.store;
  const unwatchWal = checkpointInBackground(db);
  const waker = wakerFor(file);
  const consumers = new Set<{ stop(): Promise<void> }>();
  let closed = false;

  const insert = db.prepare(
    `INSERT INTO messages (id, service, type, payload, position, published_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  /** One transaction (one WAL commit) for a whole batch; returns how many were new. */
  const insertAll = db.transaction((events: readonly RecordedEvent[], byReference: boolean, service: string, now: number): number => {
    let inserted = 0;
    for (const event of events) {
      inserted += byReference
        ? insert.run(event.id, service, event.type, '', event.position, now).changes
        : insert.run(event.id, service, event.type, JSON.stringify(event), null, now).changes;
    }
    return inserted;
  });
  const ensureConsumer = db.prepare(`INSERT INTO consumers (name, acked_seq, updated_at) VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING`);
  const loadAcked = db.prepare<[string], { acked_seq: number }>(`SELECT acked_seq FROM consumers WHERE name = ?`);
  const saveAcked = db.prepare(`UPDATE consumers SET acked_seq = max(acked_seq, ?), updated_at = ? WHERE name = ?`);
  const maxSeq = db.prepare<[], { seq: number | null }>(`SELECT max(seq) AS seq FROM messages`);

  function guard<T>(what: string, fn: () => T): T {
    if (closed) throw new BusUnavailableError(`bus closed (${what})`);
    try {
      return fn();
    } catch (error) {
      throw new BusUnavailableError(`sqlite bus ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** `service IN (…)` for a filter, or no condition. */
  function serviceFilter(services: readonly string[] | undefined): { sql: string; params: string[] } {
    if (services === undefined) return { sql: '', params: [] };
    return { sql: ` AND service IN (${services.map(() => '?').join(', ')})`, params: [...services] };
  }

  async function consume(consumeOptions: ConsumeOptions, handler: EventHandler): Promise<Consumer> {
    const { durable, services } = consumeOptions;
    const retryDelayMs = consumeOptions.retryDelayMs ?? 1000;
    assertDurableName(durable);
    services?.forEach(assertServiceName);
    if (services !== undefined && services.length === 0) throw new TypeError('services: empty filter');
    const filter = serviceFilter(services);
    const next = db.prepare<unknown[], MessageRow>(
      `SELECT seq, id, service, type, payload, position FROM messages WHERE seq > ?${filter.sql} ORDER BY seq LIMIT ${BATCH}`,
    );
    const countPending = db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM messages WHERE seq > ?${filter.sql}`);
    const readAcked = (): number => loadAcked.get(durable)?.acked_seq ?? 0;
    guard('consume', () => ensureConsumer.run(durable, Date.now()));

    const abort = new AbortController();
    let wake: (() => void) | null = null;
    const onPublish = (): void => wake?.();
    waker.on('publish', onPublish);

    /**
     * Waits for a publish, the poll interval or the stop, whichever comes first. Whichever it is
     * removes the other two: a wait ended by a publish must not leave its abort listener behind
     * (busy buses stacked them on the signal: MaxListenersExceededWarning).
     */
    const idle = (): Promise<void> =>
      new Promise<void>((resolve) => {
        if (abort.signal.aborted) return resolve();
        const done = (): void => {
          clearTimeout(timer);
          abort.signal.removeEventListener('abort', done);
          wake = null;
          resolve();
        };
        const timer = setTimeout(done, pollIntervalMs);
        abort.signal.addEventListener('abort', done, { once: true });
        wake = done;
      });

    /** One batch in one read snapshot; when nothing matches, skip past other services' messages. */
    const fetchBatch = db.transaction((after: number): { rows: MessageRow[]; skipTo: number } => {
      const rows = next.all(after, ...filter.params);
      const head = rows.length === 0 ? (maxSeq.get()?.seq ?? 0) : 0;
      return { rows, skipTo: head };
    });

    /** The batch's events: copies parsed, references read from the store (a missing one fails the batch, retried). */
    const eventsOf = async (rows: readonly MessageRow[]): Promise<RecordedEvent[]> => {
      const references = rows.filter((row) => row.position !== null);
      let found: Map<number, RecordedEvent> | undefined;
      if (references.length > 0) {
        if (store === undefined)
          throw new BusUnavailableError('sqlite bus: the log refers to events of a store, and the bus was opened without one');
        const positions = references.map((row) => row.position!).sort((a, b) => a - b);
        found = await readPositions(store, positions, [...new Set(references.map((row) => row.type))]);
      }
      return rows.map((row) => {
        if (row.position === null) return JSON.parse(row.payload) as RecordedEvent;
        const event = found?.get(row.position);
        if (event?.id !== row.id)
          throw new BusUnavailableError(`sqlite bus: event ${row.id} is not at position ${row.position} of the store`);
        return event;
      });
    };

    /** The handler already ran: keep trying to record that, or it would run again. */
    const ack = async (seq: number): Promise<void> => {
      for (;;) {
        try {
          guard('ack', () => saveAcked.run(seq, Date.now(), durable));
          return;
        } catch (error) {
          if (closed) return;
          logger.error({ err: error, durable, seq }, 'sqlite bus: ack failed; retrying');
          await sleep(pollIntervalMs);
        }
      }
    };

    /**
     * How far this consumer has skipped past other services' messages (no handler ran for them).
     * Kept in memory and written at most once per poll interval (and at the stop): a filtered
     * consumer was woken by every publish of every service, and wrote its position each time
     * (a write transaction per publish per consumer). A skip lost in a crash is only done again.
     */
    let skipped = 0;
    let skipSaved = 0;
    let skipSavedAt = 0;
    const saveSkip = async (): Promise<void> => {
      skipSavedAt = Date.now();
      if (skipped <= skipSaved) return;
      const saving = skipped;
      await ack(saving);
      skipSaved = saving;
    };

    const loop = (async () => {
      while (!abort.signal.aborted) {
        let batch: { rows: MessageRow[]; skipTo: number };
        let events: RecordedEvent[];
        let acked: number;
        try {
          acked = Math.max(readAcked(), skipped);
          batch = fetchBatch(acked);
          events = await eventsOf(batch.rows);
        } catch (error) {
          logger.error({ err: error, durable }, 'sqlite bus: reading messages failed');
          await sleep(pollIntervalMs, abort.signal);
          continue;
        }
        if (batch.rows.length === 0) {
          if (batch.skipTo > acked) skipped = batch.skipTo;
          if (Date.now() - skipSavedAt >= pollIntervalMs) await saveSkip();
          await idle();
          continue;
        }
        for (const [i, row] of batch.rows.entries()) {
          const event = events[i]!;
          for (let attempt = 1; ; attempt++) {
            if (abort.signal.aborted) return;
            try {
              await handler(event, { service: row.service, attempt });
              break;
            } catch (error) {
              logger.warn({ err: error, durable, eventId: event.id, attempt }, 'bus handler failed; will redeliver');
              await sleep(retryDelayMs, abort.signal);
            }
          }
          await ack(row.seq);
        }
      }
    })();

    const consumer = {
      async pending(): Promise<number> {
        return guard('pending', () => countPending.get(readAcked(), ...filter.params)?.n ?? 0);
      },
      async stop(): Promise<void> {
        abort.abort();
        wake?.();
        waker.off('publish', onPublish);
        await loop;
        if (!closed) await saveSkip();
        consumers.delete(consumer);
      },
    };
    consumers.add(consumer);
    return consumer;
  }

  async function publishBatch(events: readonly RecordedEvent[], publishOptions: PublishOptions): Promise<void> {
    assertServiceName(publishOptions.service);
    if (events.length === 0) return;
    const byReference = store !== undefined && publishOptions.source === store;
    const inserted = guard('publish', () => insertAll(events, byReference, publishOptions.service, Date.now()));
    // One wake for the batch: consumers read it in pages anyway.
    if (inserted > 0) waker.emit('publish');
  }

  return {
    publish: (event, publishOptions) => publishBatch([event], publishOptions),
    publishBatch,

    consume,

    async ping(): Promise<void> {
      guard('ping', () => db.prepare('SELECT 1').get());
    },

    async prune(pruneOptions: PruneOptions = {}): Promise<number> {
      const cutoff = Date.now() - (pruneOptions.keepMs ?? 0);
      return guard('prune', () => {
        const low = db.prepare<[], { seq: number | null }>(`SELECT min(acked_seq) AS seq FROM consumers`).get()?.seq;
        if (low === null || low === undefined) return 0; // no durable yet: keep everything for the first one
        return db.prepare(`DELETE FROM messages WHERE seq <= ? AND published_at < ?`).run(low, cutoff).changes;
      });
    },

    async close(): Promise<void> {
      if (closed) return;
      await Promise.all([...consumers].map((c) => c.stop()));
      closed = true;
      unwatchWal();
      db.close();
    },
  };
}
