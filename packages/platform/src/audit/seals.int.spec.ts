/**
 * Tampering with a real SQLite event store file, as someone who can write it would (better-sqlite3,
 * the store closed), then verifying. Without seals each of these verified ok.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import {
  GENESIS_HASH,
  adoptSqliteStore,
  createSqliteEventStore,
  foldChain,
  keyIdOf,
  signSeal,
  type NewEvent,
} from '@lienthong/event-store';
import { tempDir } from '@lienthong/testing';
import { hashStoredText } from './chain.js';
import { sqliteChainSource } from './sources.js';
import { verifyChains } from './verify.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const sealKey = { publicKey, keyId: keyIdOf(publicKey) };
const event = (n: number): NewEvent => ({
  type: 'Happened',
  data: { n },
  metadata: { correlationId: `c-${n}`, actor: 'test', at: '2026-12-01T00:00:00.000Z' },
});

/**
 * Streams a, b, c interleaved, one event per append, seals every 4 positions:
 * a0 b0 c0 a1 | b1 c1 a2 b2 | c2 a3 b3 c3 | a4 b4  → seals #1 @0, #2 @4, #3 @8, #4 @12, #5 @14 (on close).
 */
const dir = tempDir(t);
const pristine = join(dir, 'pristine.sqlite');
{
  const store = createSqliteEventStore({ file: pristine, sync: 'normal', sealing: { privateKey, every: 4, intervalMs: 3_600_000 } });
  const order = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'b'];
  for (const [i, s] of order.entries()) await store.append(`${s}-1`, [event(i + 1)]);
  await store.close();
}

let copies = 0;
/** A copy of the pristine store, altered by `tamper` through its own connection. */
function tampered(tamper: (db: Database.Database) => void): string {
  const file = join(dir, `case-${++copies}.sqlite`);
  copyFileSync(pristine, file);
  for (const suffix of ['-wal', '-shm']) if (existsSync(pristine + suffix)) copyFileSync(pristine + suffix, file + suffix);
  const db = new Database(file);
  tamper(db);
  db.close();
  return file;
}

async function verify(file: string) {
  const source = sqliteChainSource(file);
  try {
    return await verifyChains(source, { sealKey });
  } finally {
    await source.close();
  }
}

type Row = {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  data: string;
  metadata: string;
  prev_hash: string;
  hash: string;
};
const rowAt = (db: Database.Database, position: number) =>
  db.prepare<[number], Row>('SELECT * FROM events WHERE position = ?').get(position)!;

/** Points a stream's head row at its event at `position` (as an attacker covering the cut would). */
function moveHead(db: Database.Database, stream: string, position: number): void {
  const r = rowAt(db, position);
  db.prepare('UPDATE streams SET revision = ?, position = ?, last_hash = ? WHERE stream = ?').run(r.revision, r.position, r.hash, stream);
}

t.test('an untouched store verifies ok, with every seal checked', async (t) => {
  const report = await verify(tampered(() => {}));
  t.equal(report.ok, true);
  t.equal(report.checked, 14);
  t.match(report.seals, { checked: 5, last: { seq: 5, position: 14, short: /^#5 @14 [0-9a-f]{16}$/ }, adopted: null });
});

t.test('(a) a whole stream deleted, events and head row: the first missing position', async (t) => {
  const file = tampered((db) => {
    db.prepare("DELETE FROM events WHERE stream = 'c-1'").run();
    db.prepare("DELETE FROM streams WHERE stream = 'c-1'").run();
  });
  const report = await verify(file);
  t.equal(report.ok, false);
  t.match(report.brokenAt, { position: 3, reason: /positions 3\.\.3 are missing/ });
});

t.test("(b) a stream's tail cut and its head row moved back", async (t) => {
  // b's last two events (positions 11 and 14): 11 leaves a gap
  const middle = await verify(
    tampered((db) => {
      db.prepare("DELETE FROM events WHERE stream = 'b-1' AND revision >= 3").run();
      moveHead(db, 'b-1', 8);
    }),
  );
  t.equal(middle.ok, false);
  t.match(middle.brokenAt, { position: 11, reason: /missing/ });
  // only b's last event, the store's last: no gap, the last seal is past the end
  const end = await verify(
    tampered((db) => {
      db.prepare('DELETE FROM events WHERE position = 14').run();
      moveHead(db, 'b-1', 11);
    }),
  );
  t.equal(end.ok, false);
  t.match(end.brokenAt, { position: 14, seal: 5, reason: /seal #5 covers up to position 14 but the store ends at 13/ });
});

t.test('(c) events of two streams swapped between their positions', async (t) => {
  // b1 at 5 and c1 at 6: each stream's own order still holds
  const report = await verify(
    tampered((db) => {
      db.prepare('UPDATE events SET position = -5 WHERE position = 5').run();
      db.prepare('UPDATE events SET position = 5 WHERE position = 6').run();
      db.prepare('UPDATE events SET position = 6 WHERE position = -5').run();
      db.prepare("UPDATE streams SET position = 5 WHERE stream = 'c-1' AND position = 6").run();
    }),
  );
  t.equal(report.ok, false);
  t.match(report.brokenAt, { position: 5, seal: 3, reason: /positions 5\.\.8 are not what seal #3 signed/ });
});

t.test("(d) an event's data edited, its hash and the chain after it recomputed", async (t) => {
  // c2 at 9, then c3 at 12 links to it; the head row follows
  const report = await verify(
    tampered((db) => {
      const edit = db.prepare('UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE position = ?');
      const c2 = rowAt(db, 9);
      const c2Hash = hashStoredText({ ...c2, dataJson: '{"n":900}', metadataJson: c2.metadata }, c2.prev_hash);
      edit.run('{"n":900}', c2.prev_hash, c2Hash, 9);
      const c3 = rowAt(db, 12);
      const c3Hash = hashStoredText({ ...c3, dataJson: c3.data, metadataJson: c3.metadata }, c2Hash);
      edit.run(c3.data, c2Hash, c3Hash, 12);
      moveHead(db, 'c-1', 12);
    }),
  );
  t.equal(report.ok, false);
  t.match(report.brokenAt, { position: 9, seal: 4, reason: /positions 9\.\.12 are not what seal #4 signed/ });
});

t.test('a seal row edited or deleted', async (t) => {
  const edited = await verify(tampered((db) => db.prepare('UPDATE seals SET chain = ? WHERE seq = 3').run('f'.repeat(64))));
  t.equal(edited.ok, false);
  t.match(edited.brokenAt, { position: 8, seal: 3, reason: /signature of seal #3 does not hold/ });

  const moved = await verify(tampered((db) => db.prepare('UPDATE seals SET position = 7 WHERE seq = 3').run()));
  t.match(moved.brokenAt, { position: 7, seal: 3, reason: /signature/ });

  const middle = await verify(tampered((db) => db.prepare('DELETE FROM seals WHERE seq = 3').run()));
  t.equal(middle.ok, false);
  t.match(middle.brokenAt, { position: 5, seal: 3, reason: /seal #3 is missing/ });

  // the last two, and the events they covered with them: the one left allows fewer than 4 unsealed
  const lastTwo = await verify(tampered((db) => db.prepare('DELETE FROM seals WHERE seq >= 4').run()));
  t.equal(lastTwo.ok, false);
  t.match(lastTwo.brokenAt, { position: 9, seal: 3, reason: /positions 9\.\.14 are past the last seal #3/ });

  const none = await verify(tampered((db) => db.prepare('DELETE FROM seals').run()));
  t.equal(none.ok, false);
  t.match(none.brokenAt, { position: 1, reason: /no seal/ });

  const forged = generateKeyPairSync('ed25519');
  const source = sqliteChainSource(tampered(() => {}));
  const otherKey = await verifyChains(source, { sealKey: { publicKey: forged.publicKey, keyId: keyIdOf(forged.publicKey) } });
  await source.close();
  t.match(otherKey.brokenAt, { position: 0, seal: 1, reason: /names key/ }, 'checked against another key');
});

/** A logger that keeps its errors. */
function errors() {
  const said: string[] = [];
  return { said, logger: { error: (_: object, message = '') => said.push(message), warn: () => {}, debug: () => {} } };
}

t.test('a stream and every seal deleted, then the hub restarted: not re-sealed, verify says no seal', async (t) => {
  const file = tampered((db) =>
    db.exec("DELETE FROM events WHERE stream = 'c-1'; DELETE FROM streams WHERE stream = 'c-1'; DELETE FROM seals;"),
  );
  const { said, logger } = errors();
  const store = createSqliteEventStore({ file, logger, sealing: { privateKey, every: 4, intervalMs: 3_600_000 } });
  await store.append('a-1', [event(100)]);
  await store.close();
  t.match(said, [/holds events but no seal/]);
  const report = await verify(file);
  t.equal(report.ok, false);
  t.match(report.brokenAt, { position: 1, reason: /no seal.*seal --adopt/ });
});

t.test('a stream deleted behind a running hub, then a clean stop: the gap is not sealed over, and named', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const { said, logger } = errors();
  const store = createSqliteEventStore({ file, logger, sealing: { privateKey, every: 1000, intervalMs: 3_600_000 } });
  for (let i = 0; i < 6; i++) await store.append(`s${i}-x`, [event(i)]);
  const db = new Database(file);
  db.exec("DELETE FROM events WHERE stream = 's3-x'; DELETE FROM streams WHERE stream = 's3-x';");
  db.close();
  await store.close();
  t.match(said, [/positions 4\.\.4 after the last seal are missing/]);
  const report = await verify(file);
  t.equal(report.ok, false);
  t.match(report.brokenAt, { position: 4, reason: /positions 4\.\.4 are missing/ });
});

t.test('a gap after the first seal is named even under a seal that holds over it', async (t) => {
  // a seal made across the gap with the hub key (as the sealer did before it checked positions)
  const file = tampered((db) => {
    db.exec(
      "DELETE FROM events WHERE position = 14; UPDATE streams SET revision = 3, position = 11, last_hash = (SELECT hash FROM events WHERE position = 11) WHERE stream = 'b-1'; DELETE FROM seals WHERE seq = 5;",
    );
    db.prepare(
      "INSERT INTO events (position, id, stream, revision, type, data, metadata, prev_hash, hash) VALUES (15, 'x', 'd-1', 0, 'T', '{}', '{}', ?, ?)",
    ).run(GENESIS_HASH, 'e'.repeat(64));
    const r15 = rowAt(db, 15);
    db.prepare('UPDATE events SET hash = ? WHERE position = 15').run(
      hashStoredText({ ...r15, dataJson: r15.data, metadataJson: r15.metadata }, r15.prev_hash),
    );
    const { hash } = rowAt(db, 15);
    db.prepare(
      "INSERT INTO streams (stream, revision, position, last_hash, created_at, updated_at) VALUES ('d-1', 0, 15, ?, 'x', 'x')",
    ).run(hash);
    const last = db.prepare<[], { chain: string }>('SELECT chain FROM seals WHERE seq = 4').get()!;
    const seal = signSeal(
      { seq: 5, position: 15, chain: foldChain(last.chain, 15, hash), at: '2026-12-01T00:00:00.000Z', every: 4, keyId: sealKey.keyId },
      privateKey,
    );
    db.prepare('INSERT INTO seals (seq, position, chain, at, every, key_id, signature) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      seal.seq,
      seal.position,
      seal.chain,
      seal.at,
      seal.every,
      seal.keyId,
      seal.signature,
    );
  });
  const report = await verify(file);
  t.equal(report.ok, false);
  t.match(report.brokenAt, { position: 14, reason: /positions 14\.\.14 are missing: events removed \(after seal #1 at 0/ });
});

t.test(
  'a store from before seals: not sealed, verify not ok; adopted, verify ok and shows the adoption; its old gaps vouched for, no later one',
  async (t) => {
    const file = join(tempDir(t), 'events.sqlite');
    const old = createSqliteEventStore({ file });
    await old.append('a-1', [event(1), event(2)]);
    await old.close();
    // the old store lost a position to a refused duplicate id: here 3, inserted and removed
    const db = new Database(file);
    db.prepare(
      "INSERT INTO events (id, stream, revision, type, data, metadata, prev_hash, hash) VALUES ('x', 'z', 0, 'T', '{}', '{}', '', '')",
    ).run();
    db.prepare("DELETE FROM events WHERE id = 'x'").run();
    db.close();
    const old2 = createSqliteEventStore({ file });
    await old2.append('a-1', [event(4)]);
    await old2.close();

    const { said, logger } = errors();
    const hub = createSqliteEventStore({ file, logger, sealing: { privateKey, every: 2 } });
    await hub.close();
    t.match(said, [/no seal.*lienthong seal --adopt/]);
    const before = await verify(file);
    t.equal(before.ok, false);
    t.match(before.brokenAt, { position: 1, reason: /no seal/ });

    t.match(adoptSqliteStore(file, { privateKey, every: 2 }), { kind: 'sealed', seal: { seq: 1, position: 4, kind: 'adopt' } });
    const adopted = await verify(file);
    t.equal(adopted.ok, true, 'the gap at 3 lies under the adoption seal');
    t.match(adopted.seals, { checked: 1, adopted: { seq: 1, position: 4, kind: 'adopt', short: /^#1 @4 / }, last: { seq: 1 } });

    const store = createSqliteEventStore({ file, sealing: { privateKey, every: 2 } });
    for (const n of [5, 6, 7]) await store.append('a-1', [event(n)]);
    await store.close();
    const later = await verify(file);
    t.equal(later.ok, true);
    t.match(later.seals, { checked: 3, adopted: { seq: 1, kind: 'adopt' }, last: { seq: 3, position: 7 } });

    // the event at 6 removed, a-1's chain relinked around it so that only the gap shows
    const copy = join(dir, 'adopted-cut.sqlite');
    copyFileSync(file, copy);
    const d = new Database(copy);
    const [r6, r7] = [rowAt(d, 6), rowAt(d, 7)];
    const h7 = hashStoredText({ ...r7, revision: r6.revision, dataJson: r7.data, metadataJson: r7.metadata }, r6.prev_hash);
    d.prepare('DELETE FROM events WHERE position = 6').run();
    d.prepare('UPDATE events SET revision = ?, prev_hash = ?, hash = ? WHERE position = 7').run(r6.revision, r6.prev_hash, h7);
    moveHead(d, 'a-1', 7);
    d.close();
    const cut = await verify(copy);
    t.equal(cut.ok, false);
    t.match(cut.brokenAt, { position: 6, reason: /positions 6\.\.6 are missing/ });
  },
);

t.test('an empty store is sealed at 0 and verifies ok, no adoption', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const store = createSqliteEventStore({ file, sealing: { privateKey } });
  await store.close();
  const report = await verify(file);
  t.equal(report.ok, true);
  t.match(report.seals, { checked: 1, last: { seq: 1, position: 0 }, adopted: null });
});
