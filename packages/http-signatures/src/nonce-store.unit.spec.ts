import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createMemoryNonceStore, createSqliteNonceStore } from './nonce-store.js';

t.test('the SQLite nonce store remembers across a reopen (a restart does not reopen the window)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-nonces-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'nonces.sqlite');
  const first = createSqliteNonceStore(file);
  t.equal(first.remember('k', 'n', Date.now() + 60_000), true);
  t.equal(first.remember('k', 'n', Date.now() + 60_000), false);
  t.equal(first.remember('other', 'n', Date.now() + 60_000), true, 'nonces are per key');
  first.close();
  const second = createSqliteNonceStore(file);
  t.equal(second.remember('k', 'n', Date.now() + 60_000), false);
  second.close();
  t.end();
});

t.test('the memory store forgets a nonce once it expired', (t) => {
  let now = 0;
  const store = createMemoryNonceStore(() => now);
  t.equal(store.remember('k', 'n', 100), true);
  t.equal(store.remember('k', 'n', 100), false);
  now = 101;
  t.equal(store.remember('k', 'n', 200), true);
  t.end();
});
