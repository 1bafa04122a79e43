import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { tempDir } from '@lienthong/testing';
import { readOrCreateFile } from './files.js';

t.test('creates once with its mode, then reads what is there', async (t) => {
  const dir = tempDir(t, 'lt-files-');
  const file = join(dir, 'key');
  let made = 0;
  const first = readOrCreateFile(file, () => `k${++made}`);
  t.strictSame(first, { content: 'k1', created: true });
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.strictSame(
    readOrCreateFile(file, () => `k${++made}`),
    { content: 'k1', created: false },
  );
  t.equal(made, 1, 'not made again');
  writeFileSync(join(dir, 'given'), 'set by an operator');
  t.equal(readOrCreateFile(join(dir, 'given'), () => 'other').content, 'set by an operator');
  t.strictSame(readdirSync(dir).sort(), ['given', 'key'], 'no temporary file left');
  t.throws(() => readOrCreateFile(join(dir, 'missing-dir', 'x'), () => 'x'), { code: 'ENOENT' });
});

t.test('processes creating one file at the same moment all get the content of the first', async (t) => {
  const dir = tempDir(t, 'lt-files-race-');
  const helper = fileURLToPath(new URL('./test/create-files.ts', import.meta.url));
  const rounds = 40;
  const startAt = Date.now() + 4_000; // after every process has started (tsx compiles on the way)
  const outputs = await Promise.all(
    Array.from(
      { length: 4 },
      () =>
        new Promise<string[]>((done, fail) =>
          execFile(
            process.execPath,
            ['--import', 'tsx', helper, dir, String(rounds), String(startAt)],
            { timeout: 60_000 },
            (error, stdout, stderr) => (error ? fail(new Error(`${error.message}\n${stderr}`)) : done(JSON.parse(stdout) as string[])),
          ),
        ),
    ),
  );
  for (let round = 0; round < rounds; round++) {
    const onDisk = readFileSync(join(dir, `file-${round}`), 'utf8');
    const seen = outputs.map((o) => o[round]);
    if (!seen.every((s) => s === onDisk)) t.fail(`round ${round}: ${JSON.stringify(seen)} but ${onDisk} on disk`);
  }
  t.strictSame(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file left',
  );
  t.pass(`${rounds} rounds of 4 processes agreed`);
});
