/**
 * SQLite event store against raw better-sqlite3 doing the same work (same schema, same pragmas,
 * same rows, a SHA-256 per row), at synchronous FULL and NORMAL:
 * 1. 64 concurrent writers, one event per append, each on its own stream (group commit);
 * 2. batched appends of 100 events;
 * 3. readAll of everything written in 2.
 * Adapter and baseline runs alternate; the best of the rounds counts (the machine is shared).
 */
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteEventStore } from '../../packages/event-store/src/index.js';
import type { EventStore, NewEvent, SyncMode } from '../../packages/event-store/src/index.js';
import { SCHEMA, applyPragmas } from '../../packages/event-store/src/sqlite-schema.js';
import { atLeast, round } from './types.js';
import type { BenchContext, BenchReport, Metric, Target } from './types.js';

const WRITERS = 64;
const BATCH = 100;

function sampleEvent(i: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'DossierReceived',
    data: {
      dossierCode: `000.00.12.H40-261122-${String(i).padStart(4, '0')}`,
      procedureCode: '1.004227',
      applicant: { name: 'Nguyễn Văn An', idNumber: '001203004005', phone: '0901234567', address: 'Số 1, Phường Bến Nghé, Quận 1' },
      channel: 'counter',
      components: [{ name: 'Tờ khai', copies: 1 }, { name: 'Căn cước công dân', copies: 1 }],
      receivedAt: '2026-11-22T08:00:00.000Z',
      dueAt: '2026-11-29T08:00:00.000Z',
    },
    metadata: { correlationId: randomUUID(), causationId: null, actor: 'staff:clerk-1', at: '2026-11-22T08:00:00.000Z' },
  };
}

/** 1. Each writer appends to its own stream with the exact expected revision, until time is up. */
async function concurrentWriters(store: EventStore, seconds: number, tag: string): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const stream = `${tag}-writer-${w}`;
      for (let rev = -1; performance.now() < deadline; rev++) {
        await store.append(stream, [sampleEvent(rev)], { expectedRevision: rev < 0 ? 'no_stream' : rev });
        count++;
      }
    }),
  );
  return count / ((performance.now() - t0) / 1000);
}

function rawInserter(db: Database.Database) {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const insert = db.prepare(
    'INSERT INTO events (id, stream, revision, type, data, metadata, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  /** One transaction: the rows of one stream from revision 0, hashed and chained. */
  return (stream: string, events: readonly NewEvent[]): void => {
    begin.run();
    let prev = '0'.repeat(64);
    events.forEach((e, revision) => {
      const data = JSON.stringify(e.data);
      const metadata = JSON.stringify(e.metadata);
      const hash = createHash('sha256').update(prev).update(data).update(metadata).digest('hex');
      insert.run(e.id, stream, revision, e.type, data, metadata, prev, hash);
      prev = hash;
    });
    commit.run();
  };
}

function openRaw(file: string, sync: SyncMode): Database.Database {
  const db = new Database(file);
  applyPragmas(db, sync);
  db.exec(SCHEMA);
  return db;
}

interface Round {
  concurrent: number;
  rawConcurrent: number;
  batched: number;
  rawBatched: number;
  readAll: number;
  rawReadAll: number;
}

async function oneRound(ctx: BenchContext, sync: SyncMode, round: number, sizes: { seconds: number; appends: number }): Promise<Round> {
  const dir = ctx.tmpDir;
  const tag = `${sync}-${round}`;
  const batches = Array.from({ length: sizes.appends }, (_, b) =>
    Array.from({ length: BATCH }, (_, i) => sampleEvent(b * BATCH + i)),
  );
  const total = sizes.appends * BATCH;

  // Adapter.
  const file = join(dir, `store-${tag}.sqlite`);
  const store = createSqliteEventStore({ file, sync });
  const concurrent = await concurrentWriters(store, sizes.seconds, tag);
  let t0 = performance.now();
  for (const [b, events] of batches.entries()) {
    await store.append(`${tag}-batch-${b}`, events, { expectedRevision: 'no_stream' });
  }
  const batched = total / ((performance.now() - t0) / 1000);
  const head = await store.headPosition();
  t0 = performance.now();
  const all = await store.readAll();
  const readAll = all.length / ((performance.now() - t0) / 1000);
  if (all.length !== head) throw new Error(`readAll returned ${all.length} of ${head} events`);
  await store.close();

  // Raw better-sqlite3: the same rows, the same pragmas.
  const rawDb = openRaw(join(dir, `raw-${tag}.sqlite`), sync);
  const insertRows = rawInserter(rawDb);
  // 64 rows per transaction: what one group commit of the 64 writers costs at best.
  const rows64 = batches.flat().slice(0, WRITERS);
  const deadline = performance.now() + sizes.seconds * 1000;
  let n = 0;
  t0 = performance.now();
  for (let i = 0; performance.now() < deadline; i++, n += WRITERS) insertRows(`${tag}-raw64-${i}`, rows64.map((e) => ({ ...e, id: randomUUID() })));
  const rawConcurrent = n / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (const [b, events] of batches.entries()) insertRows(`${tag}-batch-${b}`, events);
  const rawBatched = total / ((performance.now() - t0) / 1000);
  rawDb.close();

  // Raw select + JSON.parse, over the adapter's own file (identical rows).
  const reader = new Database(file, { readonly: true });
  t0 = performance.now();
  const rows = reader.prepare('SELECT position, id, stream, revision, type, data, metadata, prev_hash, hash FROM events ORDER BY position').all() as { data: string; metadata: string }[];
  let parsed = 0;
  for (const row of rows) {
    JSON.parse(row.data);
    JSON.parse(row.metadata);
    parsed++;
  }
  const rawReadAll = parsed / ((performance.now() - t0) / 1000);
  reader.close();
  return { concurrent, rawConcurrent, batched, rawBatched, readAll, rawReadAll };
}

function best(rounds: readonly Round[], key: keyof Round): number {
  return Math.max(...rounds.map((r) => r[key]));
}

export default async function eventStoreBench(ctx: BenchContext): Promise<BenchReport> {
  const sizes = ctx.quick ? { seconds: 0.5, appends: 20 } : { seconds: 2.5, appends: 200 };
  const roundsPerMode = ctx.quick ? 1 : 3;
  const metrics: Record<string, Metric> = {};
  const baseline: Record<string, Metric> = {};
  const ratios: Record<string, number> = {};
  const targets: Target[] = [];
  const rate = (value: number): Metric => ({ value: Math.round(value), unit: 'events/s' });

  for (const sync of ['full', 'normal'] as const) {
    const rounds: Round[] = [];
    for (let r = 0; r < roundsPerMode; r++) {
      const result = await oneRound(ctx, sync, r, sizes);
      ctx.log(`sync=${sync} round ${r + 1}: ${JSON.stringify(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Math.round(v)])))}`);
      rounds.push(result);
    }
    metrics[`${sync}.concurrent64`] = rate(best(rounds, 'concurrent'));
    metrics[`${sync}.batched100`] = rate(best(rounds, 'batched'));
    metrics[`${sync}.readAll`] = rate(best(rounds, 'readAll'));
    baseline[`${sync}.raw64PerTransaction`] = rate(best(rounds, 'rawConcurrent'));
    baseline[`${sync}.rawBatched100`] = rate(best(rounds, 'rawBatched'));
    baseline[`${sync}.rawSelectParse`] = rate(best(rounds, 'rawReadAll'));
    ratios[`${sync}.concurrent64/raw64PerTransaction`] = round(best(rounds, 'concurrent') / best(rounds, 'rawConcurrent'));
    const batchedRatio = best(rounds, 'batched') / best(rounds, 'rawBatched');
    const readRatio = best(rounds, 'readAll') / best(rounds, 'rawReadAll');
    ratios[`${sync}.batched100/rawBatched100`] = round(batchedRatio);
    ratios[`${sync}.readAll/rawSelectParse`] = round(readRatio);
    if (sync === 'full') targets.push(atLeast('full: 64 concurrent writers, events/s', 10_000, Math.round(best(rounds, 'concurrent'))));
    targets.push(atLeast(`${sync}: batched appends / raw insert`, 0.8, batchedRatio));
    targets.push(atLeast(`${sync}: readAll / raw select + JSON.parse`, 0.8, readRatio));
  }
  return {
    name: 'event-store',
    metrics,
    baseline,
    ratios,
    targets,
    notes: [
      `best of ${roundsPerMode} alternating rounds per sync mode; ${sizes.appends} appends of ${BATCH} events; concurrent runs ${sizes.seconds} s`,
      'raw baseline: same events table, same pragmas, JSON.stringify + SHA-256 per row, one transaction per 100 (or 64) rows',
    ],
  };
}
