/**
 * `export --seals` and `verify --seals <copy>` as a user runs them: a copy of the seals kept
 * elsewhere catches what the store cannot show on its own (its last seal removed with the events
 * it covered; the store re-sealed by someone holding the hub key).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import t from 'tap';
import { createSqliteEventStore } from '@lienthong/event-store';
import { directoryModule, loadHubKey } from '@lienthong/platform';
import { startTestHub } from '@lienthong/platform/testing';
import { tempDir } from '@lienthong/testing';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const cli = join(root, 'services/hub/src/cli.ts');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      { cwd: root, env: { ...process.env, LT_LOG_LEVEL: 'error' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

t.test('seals exported, and the store checked against the copy', async (t) => {
  const data = join(tempDir(t), 'data');
  const hub = await startTestHub([directoryModule], { dataDir: data, env: { LT_SEAL_EVERY: '4' } });
  for (let i = 1; i <= 6; i++) await hub.agency(`000.00.${10 + i}.H40`, `Sở ${i}`);
  await hub.close();
  const key = loadHubKey(join(data, 'secrets'));
  const file = join(data, 'events.sqlite');
  const event = (type: string) => ({ type, data: {}, metadata: { correlationId: type, actor: 'admin', at: new Date().toISOString() } });
  // two more, sealed on close: a last seal with fewer than 4 positions after the one before it
  const more = createSqliteEventStore({ file, sealing: { privateKey: key.privateKey, every: 4 } });
  await more.append('note-1', [event('Noted'), event('Noted')]);
  await more.close();
  const d = ['--data-dir', data];
  const copy = join(data, '..', 'seals.jsonl');

  const exported = await run([...d, 'export', '--seals', '--out', copy]);
  t.equal(exported.code, 0, exported.stderr);
  const lines = readFileSync(copy, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.match(lines[0], { format: 'lienthong-seals/1', keyId: key.keyId, publicKey: key.publicKeyRaw });
  const seals = lines.slice(1) as Array<{ seq: number; position: number; chain: string }>;
  t.ok(seals.length >= 3, `several seals (${seals.length})`);
  t.same(
    seals.map((s) => s.seq),
    seals.map((_, i) => i + 1),
  );
  const last = seals.at(-1)!;
  const short = `#${last.seq} @${last.position} ${last.chain.slice(0, 16)}`;
  t.match(exported.stderr, `latest seal: ${short}`, 'the short form to write down');

  const clean = await run([...d, 'verify', '--seals', copy]);
  t.equal(clean.code, 0, clean.stderr);
  t.match(JSON.parse(clean.stdout), {
    ok: true,
    seals: { checked: seals.length, last: { short } },
    copy: { ok: true, matched: seals.length },
  });
  t.match(clean.stderr, `latest seal: ${short}`);

  // the last seal removed with the events after the seal before it: the store alone still verifies
  const before = seals.at(-2)!;
  const db = new Database(file);
  const cut = db.prepare<[number], { stream: string }>('SELECT DISTINCT stream FROM events WHERE position > ?').all(before.position);
  db.prepare('DELETE FROM events WHERE position > ?').run(before.position);
  for (const { stream } of cut) {
    const head = db
      .prepare<[string], { revision: number; position: number; hash: string }>(
        'SELECT revision, position, hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1',
      )
      .get(stream);
    if (head)
      db.prepare('UPDATE streams SET revision = ?, position = ?, last_hash = ? WHERE stream = ?').run(
        head.revision,
        head.position,
        head.hash,
        stream,
      );
    else db.prepare('DELETE FROM streams WHERE stream = ?').run(stream);
  }
  db.prepare('DELETE FROM seals WHERE seq = ?').run(last.seq);
  db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'").run(before.position);
  db.close();
  t.ok(last.position - before.position < 4, 'fewer events than the seal rule: invisible to the store alone');
  const alone = await run([...d, 'verify']);
  t.equal(alone.code, 0, alone.stderr);
  const against = await run([...d, 'verify', '--seals', copy]);
  t.equal(against.code, 2);
  t.match(JSON.parse(against.stdout), {
    ok: false,
    brokenAt: { seal: last.seq, position: before.position + 1, reason: /seal #\d+ of the copy .* is not in the store/ },
  });
  t.match(against.stderr, `BROKEN at position ${before.position + 1} (seal #${last.seq})`);

  // other events appended and sealed with the hub key: consistent in itself, not the copy's history
  const store = createSqliteEventStore({ file, sealing: { privateKey: key.privateKey, every: 4 } });
  await store.append('forged-1', [event('Forged')]);
  await store.close();
  t.equal((await run([...d, 'verify'])).code, 0, 'the re-sealed store verifies on its own');
  const resealed = await run([...d, 'verify', '--seals', copy]);
  t.equal(resealed.code, 2);
  t.match(JSON.parse(resealed.stdout), { brokenAt: { seal: last.seq, reason: /differs from the copy in .*chain/ } });

  const refused = await run([...d, 'verify', '--seals', join(data, 'nope.jsonl')]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /no seals file/);
});

t.test('a store from before seals: verify says no seal, seal --adopt seals it as an adoption, verify and export show it', async (t) => {
  const data = join(tempDir(t), 'data');
  mkdirSync(data, { recursive: true });
  const file = join(data, 'events.sqlite');
  const old = createSqliteEventStore({ file });
  await old.append('note-1', [{ type: 'Noted', data: {}, metadata: { correlationId: 'c', actor: 'admin', at: new Date().toISOString() } }]);
  await old.close();
  const key = loadHubKey(join(data, 'secrets'));
  const d = ['--data-dir', data];

  const before = await run([...d, 'verify']);
  t.equal(before.code, 2);
  t.match(before.stderr, /BROKEN at position 1: .*no seal.*seal --adopt/);
  t.equal((await run([...d, 'seal'])).code, 1, 'seal without --adopt is refused');

  const adopted = await run([...d, 'seal', '--adopt']);
  t.equal(adopted.code, 0, adopted.stderr);
  t.match(JSON.parse(adopted.stdout), { file, keyId: key.keyId, seal: { seq: 1, position: 1, kind: 'adopt', short: /^#1 @1 / } });
  t.match(adopted.stderr, /adopted: #1 @1 /);

  const after = await run([...d, 'verify']);
  t.equal(after.code, 0, after.stderr);
  t.match(JSON.parse(after.stdout), { ok: true, seals: { checked: 1, adopted: { seq: 1, position: 1, kind: 'adopt' } } });
  const copy = join(data, '..', 'seals.jsonl');
  t.equal((await run([...d, 'export', '--seals', '--out', copy])).code, 0);
  t.match(JSON.parse(readFileSync(copy, 'utf8').trim().split('\n')[1]!), { seq: 1, position: 1, kind: 'adopt' });

  const again = await run([...d, 'seal', '--adopt']);
  t.equal(again.code, 1);
  t.match(again.stderr, /sealed already/);
});
