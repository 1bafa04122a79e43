import t from 'tap';
import type { Test } from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eventually, tempDir } from '@lienthong/testing';
import { applyAppend, prepareEvent, type Head } from './sqlite-append.js';
import { SealSchedule } from './sqlite-seal-schedule.js';
import { applyPragmas, applySchema } from './sqlite-schema.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';

const { privateKey } = generateKeyPairSync('ed25519');
const meta = { correlationId: 'c', actor: 'test', at: '2026-01-01T00:00:00.000Z' };

function recordingLogger() {
  const lines: Array<{ level: string; message: string }> = [];
  return {
    lines,
    warn: (_d: object, message = '') => void lines.push({ level: 'warn', message }),
    error: (_d: object, message = '') => void lines.push({ level: 'error', message }),
    debug: (_d: object, message = '') => void lines.push({ level: 'debug', message }),
  };
}

function openDb(t: Test): { db: Database.Database; s: Statements } {
  const db = new Database(join(tempDir(t, 'lt-seal-'), 'events.sqlite'));
  t.teardown(() => db.open && db.close());
  applyPragmas(db, 'normal');
  applySchema(db);
  return { db, s: prepareStatements(db) };
}

/** Appends `count` events in one transaction, as the store's batch does (with the seal that falls due). */
function append(s: Statements, count: number, schedule?: SealSchedule): void {
  s.begin.run();
  const heads = new Map<string, Head>();
  const events = Array.from({ length: count }, (_, n) => prepareEvent({ type: 'Step', data: { n }, metadata: meta }));
  const outcome = applyAppend(s, { stream: 'doc-1', expected: 'any', events }, heads);
  if (!outcome.ok) throw new Error('append refused');
  const head = heads.get('doc-1')!;
  s.upsertHead.run('doc-1', head.revision, head.position, head.lastHash, 'x', 'x');
  schedule?.inTransaction();
  s.commit.run();
}

const seals = (db: Database.Database) =>
  db.prepare<[], { seq: number; position: number }>('SELECT seq, position FROM seals ORDER BY seq').all();

t.test('an empty store is sealed at 0 on open; appends seal once `every` positions are unsealed', async (t) => {
  const { db, s } = openDb(t);
  const schedule = new SealSchedule(db, s, { privateKey, every: 3, intervalMs: 3_600_000 }, null, undefined);
  t.teardown(() => schedule.close());
  t.same(seals(db), [{ seq: 1, position: 0 }], 'sealed at 0');
  append(s, 2, schedule);
  t.equal(seals(db).length, 1, 'two unsealed: not due');
  append(s, 1, schedule);
  t.same(seals(db).at(-1), { seq: 2, position: 3 }, 'due at three, in the append transaction');
});

t.test('the timer and close seal what is left', async (t) => {
  const { db, s } = openDb(t);
  const logger = recordingLogger();
  const schedule = new SealSchedule(db, s, { privateKey, every: 1000, intervalMs: 50 }, null, logger);
  append(s, 2, schedule);
  await eventually(() => seals(db).at(-1)?.position === 2, 5_000, 'the timer sealed the tail');
  append(s, 1, schedule);
  schedule.close();
  t.same(seals(db).at(-1)?.position, 3, 'close sealed the rest');
  const count = seals(db).length;
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.equal(seals(db).length, count, 'no timer after close');
  t.ok(
    logger.lines.some((l) => l.level === 'debug' && l.message === 'event store: sealed'),
    'each seal noted at debug',
  );
});

t.test('a store with events and no seal is not sealed: said once, as an error, and sealing stops', async (t) => {
  const { db, s } = openDb(t);
  append(s, 2);
  const logger = recordingLogger();
  const schedule = new SealSchedule(db, s, { privateKey, every: 1, intervalMs: 30 }, null, logger);
  append(s, 2, schedule);
  await new Promise((resolve) => setTimeout(resolve, 120));
  schedule.close();
  t.same(seals(db), [], 'nothing sealed');
  const errors = logger.lines.filter((l) => l.level === 'error');
  t.equal(errors.length, 1, 'said once');
  t.match(errors[0]!.message, /NOT sealed until an operator adopts it/);
});

t.test('a logger without error() gets the warning instead', async (t) => {
  const { db, s } = openDb(t);
  append(s, 1);
  const warnings: string[] = [];
  const schedule = new SealSchedule(db, s, { privateKey, every: 1, intervalMs: 3_600_000 }, null, {
    warn: (_d, message = '') => void warnings.push(message),
  });
  schedule.close();
  t.equal(warnings.length, 1);
  t.match(warnings[0], /adopts it/);
});

t.test('positions missing after the last seal stop sealing; a store ending before its seal is warned of once', async (t) => {
  await t.test('gap', async (t) => {
    const { db, s } = openDb(t);
    const logger = recordingLogger();
    const schedule = new SealSchedule(db, s, { privateKey, every: 1000, intervalMs: 3_600_000 }, null, logger);
    append(s, 3);
    db.prepare('DELETE FROM events WHERE position = 2').run();
    schedule.close(); // seals 'any': finds the gap
    t.same(seals(db), [{ seq: 1, position: 0 }], 'nothing sealed across the gap');
    const [error] = logger.lines.filter((l) => l.level === 'error');
    t.match(error?.message, /positions 2\.\.2 after the last seal are missing/);
  });
  await t.test('behind', async (t) => {
    const { db, s } = openDb(t);
    const logger = recordingLogger();
    const schedule = new SealSchedule(db, s, { privateKey, every: 2, intervalMs: 3_600_000 }, null, logger);
    append(s, 2, schedule);
    t.equal(seals(db).at(-1)?.position, 2);
    db.prepare('DELETE FROM events WHERE position = 2').run();
    append(s, 0, schedule);
    s.begin.run();
    schedule.inTransaction();
    s.commit.run();
    schedule.close();
    const behind = logger.lines.filter((l) => /ends before its last seal/.test(l.message));
    t.equal(behind.length, 1, 'warned once, not at every commit');
    t.equal(behind[0]?.level, 'warn');
  });
});
