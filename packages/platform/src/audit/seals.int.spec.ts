/**
 * Tampering with a real SQLite event store file, as someone who can write it would (better-sqlite3,
 * the store closed), then verifying. Without seals each of these verified ok.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { createSqliteEventStore, keyIdOf, type NewEvent } from '@lienthong/event-store';
import { tempDir } from '@lienthong/testing';
import { hashStoredText } from './chain.js';
import { sqliteChainSource } from './sources.js';
import { verifyChains } from './verify.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const sealKey = { publicKey, keyId: keyIdOf(publicKey) };
const event = (n: number): NewEvent => ({ type: 'Happened', data: { n }, metadata: { correlationId: `c-${n}`, actor: 'test', at: '2026-12-01T00:00:00.000Z' } });

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

type Row = { position: number; stream: string; revision: number; id: string; type: string; data: string; metadata: string; prev_hash: string; hash: string };
const rowAt = (db: Database.Database, position: number) => db.prepare<[number], Row>('SELECT * FROM events WHERE position = ?').get(position)!;

/** Points a stream's head row at its event at `position` (as an attacker covering the cut would). */
function moveHead(db: Database.Database, stream: string, position: number): void {
  const r = rowAt(db, position);
  db.prepare('UPDATE streams SET revision = ?, position = ?, last_hash = ? WHERE stream = ?').run(r.revision, r.position, r.hash, stream);
}

t.test('an untouched store verifies ok, with every seal checked', async (t) => {
  const report = await verify(tampered(() => {}));
  t.equal(report.ok, true);
  t.equal(report.checked, 14);
  t.match(report.seals, { checked: 5, last: { seq: 5, position: 14, short: /^#5 @14 [0-9a-f]{16}$/ } });
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
  const middle = await verify(tampered((db) => {
    db.prepare("DELETE FROM events WHERE stream = 'b-1' AND revision >= 3").run();
    moveHead(db, 'b-1', 8);
  }));
  t.equal(middle.ok, false);
  t.match(middle.brokenAt, { position: 11, reason: /missing/ });
  // only b's last event, the store's last: no gap, the last seal is past the end
  const end = await verify(tampered((db) => {
    db.prepare('DELETE FROM events WHERE position = 14').run();
    moveHead(db, 'b-1', 11);
  }));
  t.equal(end.ok, false);
  t.match(end.brokenAt, { position: 14, seal: 5, reason: /seal #5 covers up to position 14 but the store ends at 13/ });
});

t.test('(c) events of two streams swapped between their positions', async (t) => {
  // b1 at 5 and c1 at 6: each stream's own order still holds
  const report = await verify(tampered((db) => {
    db.prepare('UPDATE events SET position = -5 WHERE position = 5').run();
    db.prepare('UPDATE events SET position = 5 WHERE position = 6').run();
    db.prepare('UPDATE events SET position = 6 WHERE position = -5').run();
    db.prepare("UPDATE streams SET position = 5 WHERE stream = 'c-1' AND position = 6").run();
  }));
  t.equal(report.ok, false);
  t.match(report.brokenAt, { position: 5, seal: 3, reason: /positions 5\.\.8 are not what seal #3 signed/ });
});

t.test("(d) an event's data edited, its hash and the chain after it recomputed", async (t) => {
  // c2 at 9, then c3 at 12 links to it; the head row follows
  const report = await verify(tampered((db) => {
    const edit = db.prepare('UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE position = ?');
    const c2 = rowAt(db, 9);
    const c2Hash = hashStoredText({ ...c2, dataJson: '{"n":900}', metadataJson: c2.metadata }, c2.prev_hash);
    edit.run('{"n":900}', c2.prev_hash, c2Hash, 9);
    const c3 = rowAt(db, 12);
    const c3Hash = hashStoredText({ ...c3, dataJson: c3.data, metadataJson: c3.metadata }, c2Hash);
    edit.run(c3.data, c2Hash, c3Hash, 12);
    moveHead(db, 'c-1', 12);
  }));
  t.equal(report.ok, false);
  t.match(report.brokenAt, { position: 9, seal: 4, reason: /positions 9\.\.12 are not what seal #4 signed/ });
});

t.test('a seal row edited or deleted', async (t) => {
  const edited = await verify(tampered((db) => db.prepare("UPDATE seals SET chain = ? WHERE seq = 3").run('f'.repeat(64))));
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

t.test("an older store's gaps are vouched for by the seal after them; a gap no seal vouches for is named", async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const old = createSqliteEventStore({ file });
  await old.append('a-1', [event(1), event(2)]);
  await old.close();
  // the old store lost a position to a refused duplicate id: here 3, inserted and removed
  const db = new Database(file);
  db.prepare("INSERT INTO events (id, stream, revision, type, data, metadata, prev_hash, hash) VALUES ('x', 'z', 0, 'T', '{}', '{}', '', '')").run();
  db.prepare("DELETE FROM events WHERE id = 'x'").run();
  db.close();
  const store = createSqliteEventStore({ file, sealing: { privateKey, every: 2 } });
  for (const n of [3, 4, 5]) await store.append('a-1', [event(n)]);
  await store.close();
  const ok = await verify(file);
  t.equal(ok.ok, true, 'the gap at 3 is vouched for by seal #2 (at 4; #1 is at 2)');
  t.match(ok.seals, { checked: 3, last: { seq: 3, position: 6 } });

  // the event at 5 removed, a-1's chain relinked around it so that only the gap shows
  const copy = join(dir, 'old-cut.sqlite');
  copyFileSync(file, copy);
  const d = new Database(copy);
  const [r5, r6] = [rowAt(d, 5), rowAt(d, 6)];
  const h6 = hashStoredText({ ...r6, revision: r5.revision, dataJson: r6.data, metadataJson: r6.metadata }, r5.prev_hash);
  d.prepare('DELETE FROM events WHERE position = 5').run();
  d.prepare('UPDATE events SET revision = ?, prev_hash = ?, hash = ? WHERE position = 6').run(r5.revision, r5.prev_hash, h6);
  moveHead(d, 'a-1', 6);
  d.close();
  const cut = await verify(copy);
  t.equal(cut.ok, false);
  t.match(cut.brokenAt, { position: 5, seal: 3, reason: /positions 5\.\.5 are missing/ });
});
