/**
 * Audit at scale, over one SQLite store of 1,000,000 events (50,000 dossier-like streams of 20):
 * 1. rebuild a projection from zero through the projection runner (catch-up, then `rebuild()`)
 *    beside raw better-sqlite3 doing the same work (select + JSON.parse + one upsert per event);
 * 2. verify every hash chain (`audit.verifyChains` over the file) beside a raw select + SHA-256
 *    of the same rows.
 * The events are appended through the adapter in big concurrent batches (group commit) with
 * synchronous=NORMAL. The projection is shaped like the dossier queue: one row per stream,
 * upserted on each event.
 */
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteEventStore, type NewEvent, type RecordedEvent } from '@lienthong/event-store';
import { createProjectionRunner, statement, type Projection } from '@lienthong/projections';
import { audit } from '@lienthong/platform';
import { atLeast, round } from './types.js';
import type { BenchContext, BenchReport, Metric } from './types.js';

const PER_STREAM = 20;
const TYPES = [
  'DossierReceived',
  'DossierAccepted',
  'DossierAssigned',
  'SupplementRequested',
  'SupplementReceived',
  'PaymentRequested',
  'PaymentConfirmed',
  'DossierCompleted',
  'ResultDelivered',
  'DossierArchived',
];

function eventsOf(s: number): NewEvent[] {
  const code = `000.00.${String(10 + (s % 50)).padStart(2, '0')}.H40-261122-${String(s).padStart(6, '0')}`;
  const correlationId = randomUUID();
  return Array.from({ length: PER_STREAM }, (_, i) => ({
    id: randomUUID(),
    type: TYPES[i % TYPES.length]!,
    data: {
      dossierCode: code,
      status: (i % TYPES.length) + 1,
      officer: i > 1 ? `staff-${s % 97}` : null,
      note: i === 0 ? 'Nguyễn Văn An, Số 1 đường Trần Phú, Nha Trang' : 'Đã xử lý theo quy định',
      at: '2026-11-22T08:00:00.000Z',
    },
    metadata: {
      correlationId,
      causationId: null,
      actor: `staff:${s % 97}`,
      at: new Date(Date.UTC(2026, 10, 22, 8, 0, s % 3600, i)).toISOString(),
    },
  }));
}

/** Dossier-queue-like read model: one row per stream, upserted by every event. */
const queueProjection: Projection = {
  name: 'bench-queue',
  version: 1,
  streamPrefixes: ['dossier-'],
  init(db) {
    db.exec(
      'CREATE TABLE queue (code TEXT PRIMARY KEY, status INTEGER NOT NULL, officer TEXT, updated_at TEXT NOT NULL, events INTEGER NOT NULL) WITHOUT ROWID',
    );
  },
  apply(db, event: RecordedEvent) {
    const d = event.data as { dossierCode: string; status: number; officer: string | null };
    statement(
      db,
      `INSERT INTO queue (code, status, officer, updated_at, events) VALUES (?, ?, ?, ?, 1)
      ON CONFLICT (code) DO UPDATE SET status = excluded.status, officer = excluded.officer, updated_at = excluded.updated_at, events = events + 1`,
    ).run(d.dossierCode, d.status, d.officer, event.metadata.at);
  },
};

async function generate(file: string, streams: number, log: (m: string) => void): Promise<number> {
  const store = createSqliteEventStore({ file, sync: 'normal' });
  const t0 = performance.now();
  const WAVE = 500;
  for (let s = 0; s < streams; s += WAVE) {
    await Promise.all(
      Array.from({ length: Math.min(WAVE, streams - s) }, (_, k) =>
        store.append(`dossier-${s + k}`, eventsOf(s + k), { expectedRevision: 'no_stream' }),
      ),
    );
    if ((s / WAVE) % 40 === 0) log(`generated ${(s + WAVE) * PER_STREAM} events`);
  }
  const head = await store.headPosition();
  await store.close();
  log(`generated ${head} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return head;
}

/** Raw: the same rows selected and parsed, upserted into a fresh file in transactions of 1000. */
function rawRebuild(file: string, target: string): number {
  const src = new Database(file, { readonly: true });
  const dst = new Database(target);
  dst.pragma('journal_mode = WAL');
  dst.pragma('synchronous = NORMAL');
  queueProjection.init(dst);
  const upsert = dst.prepare(`INSERT INTO queue (code, status, officer, updated_at, events) VALUES (?, ?, ?, ?, 1)
    ON CONFLICT (code) DO UPDATE SET status = excluded.status, officer = excluded.officer, updated_at = excluded.updated_at, events = events + 1`);
  const select = src
    .prepare("SELECT position, data, metadata FROM events WHERE position > ? AND stream GLOB 'dossier-*' ORDER BY position LIMIT 1000")
    .raw(true);
  const t0 = performance.now();
  let after = 0;
  let n = 0;
  const page = dst.transaction((rows: Array<[number, string, string]>) => {
    for (const [, data, metadata] of rows) {
      const d = JSON.parse(data) as { dossierCode: string; status: number; officer: string | null };
      upsert.run(d.dossierCode, d.status, d.officer, (JSON.parse(metadata) as { at: string }).at);
    }
  });
  for (;;) {
    const rows = select.all(after) as Array<[number, string, string]>;
    if (rows.length === 0) break;
    page(rows);
    n += rows.length;
    after = rows[rows.length - 1]![0];
  }
  const rate = n / ((performance.now() - t0) / 1000);
  src.close();
  dst.close();
  return rate;
}

/** Raw: the same rows selected and hashed (SHA-256 of the stored text), no chain logic. */
function rawHash(file: string): number {
  const db = new Database(file, { readonly: true });
  const t0 = performance.now();
  let n = 0;
  for (const row of db
    .prepare('SELECT id, stream, revision, type, data, metadata, prev_hash FROM events ORDER BY position')
    .raw(true)
    .iterate() as IterableIterator<[string, string, number, string, string, string, string]>) {
    createHash('sha256').update(row[6]).update(row[4]).update(row[5]).digest('hex');
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

export default async function auditBench(ctx: BenchContext): Promise<BenchReport> {
  const streams = ctx.quick ? 5_000 : 50_000;
  const file = join(ctx.tmpDir, 'events.sqlite');
  const total = await generate(file, streams, ctx.log);
  const rate = (v: number): Metric => ({ value: Math.round(v), unit: 'events/s' });

  // 1. projection runner: initial catch-up, then an explicit rebuild (what the route and `replay` do)
  const store = createSqliteEventStore({ file, sync: 'normal' });
  const runner = createProjectionRunner({ projection: queueProjection, store, dir: join(ctx.tmpDir, 'projections') });
  let t0 = performance.now();
  await runner.start();
  await runner.waitFor(total, 600_000);
  const catchUp = total / ((performance.now() - t0) / 1000);
  ctx.log(`catch-up: ${Math.round(catchUp)} events/s`);
  t0 = performance.now();
  const rebuilt = await runner.rebuild();
  const rebuild = rebuilt.events / ((performance.now() - t0) / 1000);
  ctx.log(`rebuild: ${Math.round(rebuild)} events/s`);
  const rows = runner.db().prepare('SELECT COUNT(*) AS n, SUM(events) AS e FROM queue').get() as { n: number; e: number };
  if (rows.n !== streams || rows.e !== total) throw new Error(`rebuilt ${rows.n} rows / ${rows.e} events, expected ${streams} / ${total}`);
  await runner.stop();
  await store.close();
  const rawRebuildRate = rawRebuild(file, join(ctx.tmpDir, 'raw-queue.sqlite'));
  ctx.log(`raw rebuild: ${Math.round(rawRebuildRate)} events/s`);

  // 2. chain verification over the file, then the raw hashing baseline
  t0 = performance.now();
  const source = audit.sqliteChainSource(file);
  const report = await audit.verifyChains(source);
  await source.close();
  const verify = report.checked / ((performance.now() - t0) / 1000);
  if (!report.ok || report.checked !== total) throw new Error(`verify: ${JSON.stringify(report)}`);
  ctx.log(`verify: ${Math.round(verify)} events/s`);
  const rawHashRate = rawHash(file);
  ctx.log(`raw select + sha256: ${Math.round(rawHashRate)} events/s`);

  return {
    name: 'audit',
    metrics: { 'rebuild.catchUp': rate(catchUp), rebuild: rate(rebuild), verify: rate(verify) },
    baseline: { rawSelectParseUpsert: rate(rawRebuildRate), rawSelectSha256: rate(rawHashRate) },
    ratios: {
      'rebuild/rawSelectParseUpsert': round(rebuild / rawRebuildRate),
      'verify/rawSelectSha256': round(verify / rawHashRate),
    },
    targets: [
      atLeast('rebuild a projection, events/s', 50_000, Math.round(rebuild)),
      atLeast('verify every chain, events/s', 100_000, Math.round(verify)),
    ],
    notes: [
      `${total} events in ${streams} streams of ${PER_STREAM}, appended through the adapter (500 concurrent appends per wave, synchronous=NORMAL)`,
      'rebuild: the projection runner (readAll pages of 1000, one transaction per page with the checkpoint) into a dossier-queue-shaped table; baseline: raw select + JSON.parse + upsert of the same rows',
      'verify: links, contiguous revisions, SHA-256 over the canonical stored text, and every stream head; baseline: raw select + one SHA-256 per row',
    ],
  };
}
