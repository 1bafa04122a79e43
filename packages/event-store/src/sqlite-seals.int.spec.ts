import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '@lienthong/testing';
import t from 'tap';
import { DuplicateEventIdError } from './errors.js';
import { CHAIN_START, foldChain, keyIdOf, parseSeal, sealSignatureHolds, type Seal } from './seal.js';
import { createSqliteEventStore } from './sqlite-event-store.js';
import { SEAL_COLUMNS, adoptSqliteStore } from './sqlite-seals.js';
import { testEventStore } from './testing/contract.js';
import { events, newEvent } from './testing/helpers.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

function sealsOf(file: string): Seal[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], Seal>(`SELECT ${SEAL_COLUMNS} FROM seals ORDER BY seq`).all();
  } finally {
    db.close();
  }
}

/** The running hash recomputed from the file's events up to `position`. */
function chainAt(file: string, position: number): string {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare<[number], { position: number; hash: string }>('SELECT position, hash FROM events WHERE position <= ? ORDER BY position')
      .all(position);
    return rows.reduce((chain, r) => foldChain(chain, r.position, r.hash), CHAIN_START);
  } finally {
    db.close();
  }
}

await testEventStore(t, 'sqlite with seals every 3 events', async () => {
  const store = createSqliteEventStore({ file: join(tempDir(t), 'events.sqlite'), pollMs: 50, sealing: { privateKey, every: 3 } });
  return { store, cleanup: () => store.close() };
});

t.test('seals: the empty store on open, every N positions in the append transaction, the rest on close', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const store = createSqliteEventStore({ file, sealing: { privateKey, every: 3, intervalMs: 3_600_000 } });
  t.match(sealsOf(file), [{ seq: 1, position: 0, chain: CHAIN_START, every: 3, keyId: keyIdOf(publicKey) }], 'sealed from the start');
  await store.append('a-1', events(2));
  t.equal(sealsOf(file).length, 1, 'two positions past the seal: not yet');
  await store.append('b-1', events(1));
  await store.append('a-1', events(5));
  const seals = sealsOf(file);
  t.same(
    seals.map((s) => [s.seq, s.position]),
    [
      [1, 0],
      [2, 3],
      [3, 8],
    ],
    'sealed in the commit that reached N (a batch of 5 sealed whole)',
  );
  await store.close();
  const all = sealsOf(file);
  t.equal(all.length, 3, 'nothing left to seal on close');
  for (const s of all) {
    t.ok(sealSignatureHolds(s, publicKey), `seal #${s.seq} signed`);
    t.equal(s.chain, chainAt(file, s.position), `seal #${s.seq} holds the running hash`);
  }
  const reopened = createSqliteEventStore({ file, sealing: { privateKey, every: 3, intervalMs: 3_600_000 } });
  await reopened.append('c-1', events(1));
  t.equal(sealsOf(file).length, 3);
  await reopened.close();
  t.match(sealsOf(file).at(-1), { seq: 4, position: 9 }, 'a clean stop seals the tail');
});

/** A logger that keeps what it is told. */
function recorder() {
  const lines: Array<{ level: string; details: object; message: string }> = [];
  const at =
    (level: string) =>
    (details: object, message = '') =>
      lines.push({ level, details, message });
  return { lines, logger: { error: at('error'), warn: at('warn'), debug: at('debug') } };
}

t.test('seals: a store made before seals is never sealed implicitly; an operator adopts it', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const old = createSqliteEventStore({ file });
  await old.append('a-1', events(4));
  await old.close();
  t.same(sealsOf(file), [], 'no key, no seals');

  const { lines, logger } = recorder();
  const store = createSqliteEventStore({ file, logger, sealing: { privateKey, every: 2, intervalMs: 20 } });
  t.same(sealsOf(file), [], 'not sealed on open');
  t.match(
    lines.filter((l) => l.level === 'error'),
    [{ details: { head: 4 }, message: /holds events but no seal.*lienthong seal --adopt/ }],
  );
  await store.append('a-1', events(3));
  await new Promise((r) => setTimeout(r, 80));
  await store.close();
  t.same(sealsOf(file), [], 'nor in appends past `every`, on the timer or on close');
  t.equal(lines.filter((l) => l.level === 'error').length, 1, 'said once');

  const adopted = adoptSqliteStore(file, { privateKey, every: 2 });
  t.match(adopted, { kind: 'sealed', seal: { seq: 1, position: 7, kind: 'adopt', every: 2 } });
  const [first] = sealsOf(file);
  t.match(first, { seq: 1, position: 7, kind: 'adopt' });
  t.equal(first!.chain, chainAt(file, 7));
  t.ok(sealSignatureHolds(parseSeal(first) as Seal, publicKey), 'signed with its kind');
  const { kind: _kind, ...withoutKind } = parseSeal(first) as Seal;
  t.notOk(sealSignatureHolds(withoutKind, publicKey), 'the kind is part of what is signed');
  t.match(adoptSqliteStore(file, { privateKey }), { kind: 'already-sealed', last: { seq: 1 } }, 'a sealed store is not adopted again');

  const reopened = createSqliteEventStore({ file, sealing: { privateKey, every: 2, intervalMs: 3_600_000 } });
  await reopened.append('b-1', events(2));
  await reopened.close();
  t.match(
    sealsOf(file).map((s) => [s.seq, s.position, s.kind]),
    [
      [1, 7, 'adopt'],
      [2, 9, null],
    ],
    'sealed as usual after adoption',
  );
});

t.test('seals: an empty store is sealed at 0 on open; adopting it is refused', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  new Database(file).close();
  t.same(adoptSqliteStore(file, { privateKey }), { kind: 'empty' });
  const store = createSqliteEventStore({ file, sealing: { privateKey } });
  await store.close();
  t.match(sealsOf(file), [{ seq: 1, position: 0, chain: CHAIN_START, kind: null }]);
});

t.test('seals: the sealer never seals across a gap after the last seal', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const { lines, logger } = recorder();
  const store = createSqliteEventStore({ file, logger, sealing: { privateKey, every: 1000, intervalMs: 3_600_000 } });
  for (let i = 0; i < 6; i++) await store.append(`s${i}-x`, events(1));
  // s3-x (position 4) removed behind the running hub's back, head row too
  const db = new Database(file);
  db.prepare("DELETE FROM events WHERE stream = 's3-x'").run();
  db.prepare("DELETE FROM streams WHERE stream = 's3-x'").run();
  db.close();
  await store.close();
  t.same(
    sealsOf(file).map((s) => s.position),
    [0],
    'the clean stop sealed nothing across the gap',
  );
  t.match(
    lines.filter((l) => l.level === 'error'),
    [{ details: { from: 4, to: 4, seal: 1 }, message: /positions 4\.\.4 after the last seal are missing/ }],
  );
});

t.test('seals: a store whose seals were all removed is not re-sealed on open', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const store = createSqliteEventStore({ file, sealing: { privateKey, every: 5 } });
  for (let i = 0; i < 12; i++) await store.append(`s${i % 3}-x`, events(1));
  await store.close();
  const db = new Database(file);
  db.exec("DELETE FROM events WHERE stream = 's1-x'; DELETE FROM streams WHERE stream = 's1-x'; DELETE FROM seals;");
  db.close();
  const { lines, logger } = recorder();
  const reopened = createSqliteEventStore({ file, logger, sealing: { privateKey, every: 5 } });
  await reopened.append('s0-x', events(6));
  await reopened.close();
  t.same(sealsOf(file), []);
  t.match(lines, [{ level: 'error', message: /no seal/ }]);
});

t.test('seals: a seals table from before `kind` gets the column on open', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const db = new Database(file);
  db.exec(
    'CREATE TABLE seals (seq INTEGER PRIMARY KEY, position INTEGER NOT NULL, chain TEXT NOT NULL, at TEXT NOT NULL, every INTEGER NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL)',
  );
  db.close();
  const store = createSqliteEventStore({ file, sealing: { privateKey } });
  await store.close();
  t.match(sealsOf(file), [{ seq: 1, position: 0, kind: null }]);
});

t.test('seals: unsealed events are sealed on the timer', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const store = createSqliteEventStore({ file, sealing: { privateKey, every: 1000, intervalMs: 50 } });
  t.teardown(() => store.close());
  await store.append('a-1', events(2));
  const deadline = Date.now() + 5_000;
  while (sealsOf(file).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.match(sealsOf(file), [
    { seq: 1, position: 0 },
    { seq: 2, position: 2 },
  ]);
  await new Promise((r) => setTimeout(r, 150));
  t.equal(sealsOf(file).length, 2, 'nothing new: no new seal');
});

t.test('a refused duplicate event id leaves no gap in positions', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const store = createSqliteEventStore({ file, sealing: { privateKey, every: 1000 } });
  t.teardown(() => store.close());
  await store.append('a-1', [newEvent('E', {}, { id: 'dup' })]);
  // two events inserted, then the third is a duplicate: the append's rows are undone
  await t.rejects(store.append('b-1', [newEvent(), newEvent(), newEvent('E', {}, { id: 'dup' })]), DuplicateEventIdError);
  const next = await store.append('c-1', events(1));
  t.equal(next.position, 2, 'the next append takes position 2 (was 4: positions 2 and 3 were lost)');
  t.same(
    (await store.readAll()).map((e) => e.position),
    [1, 2],
  );
});
