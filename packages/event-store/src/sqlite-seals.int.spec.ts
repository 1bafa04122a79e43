import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '@lienthong/testing';
import t from 'tap';
import { DuplicateEventIdError } from './errors.js';
import { CHAIN_START, foldChain, keyIdOf, sealSignatureHolds, type Seal } from './seal.js';
import { createSqliteEventStore } from './sqlite-event-store.js';
import { SEAL_COLUMNS } from './sqlite-seals.js';
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
    const rows = db.prepare<[number], { position: number; hash: string }>('SELECT position, hash FROM events WHERE position <= ? ORDER BY position').all(position);
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
  t.same(seals.map((s) => [s.seq, s.position]), [[1, 0], [2, 3], [3, 8]], 'sealed in the commit that reached N (a batch of 5 sealed whole)');
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

t.test('seals: a store made before seals is sealed from its first event on the first open with a key', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const old = createSqliteEventStore({ file });
  await old.append('a-1', events(4));
  await old.close();
  t.same(sealsOf(file), [], 'no key, no seals');
  const store = createSqliteEventStore({ file, sealing: { privateKey } });
  const [first] = sealsOf(file);
  t.match(first, { seq: 1, position: 4, every: 1000 });
  t.equal(first!.chain, chainAt(file, 4));
  await store.close();
});

t.test('seals: unsealed events are sealed on the timer', async (t) => {
  const file = join(tempDir(t), 'events.sqlite');
  const store = createSqliteEventStore({ file, sealing: { privateKey, every: 1000, intervalMs: 50 } });
  t.teardown(() => store.close());
  await store.append('a-1', events(2));
  const deadline = Date.now() + 5_000;
  while (sealsOf(file).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.match(sealsOf(file), [{ seq: 1, position: 0 }, { seq: 2, position: 2 }]);
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
  t.same((await store.readAll()).map((e) => e.position), [1, 2]);
});
