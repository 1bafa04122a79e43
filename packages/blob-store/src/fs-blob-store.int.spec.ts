import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { tempDir } from '@lienthong/testing';
import { createFsBlobStore } from './fs-blob-store.js';
import { openBlobStore } from './open.js';
import { sha256Hex, testBlobStore } from './testing/index.js';

testBlobStore(t, 'fs', async (t) => {
  const dir = join(tempDir(t, 'lt-blobs-'), 'blobs');
  const store = await createFsBlobStore({ dir });
  t.teardown(() => store.close());
  return { store, spoolDir: join(dir, '.tmp') };
});

t.test('fs: blobs live at <dir>/ab/cd/<sha256>', async (t) => {
  const dir = tempDir(t, 'lt-blobs-');
  const store = await createFsBlobStore({ dir });
  t.teardown(() => store.close());
  const { sha256 } = await store.put(Buffer.from('layout'));
  const info = await stat(join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256));
  t.equal(info.size, 6);
});

t.test('fs: blobs up to 64 KB and above (written inline or pooled, read whole or streamed) round-trip', async (t) => {
  const dir = tempDir(t, 'lt-blobs-');
  const store = await createFsBlobStore({ dir });
  t.teardown(() => store.close());
  for (const size of [1, 64 * 1024, 64 * 1024 + 1, 300 * 1024]) {
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + size) % 251;
    const { sha256 } = await store.put(bytes);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.get(sha256)) chunks.push(chunk as Buffer);
    t.ok(Buffer.concat(chunks).equals(bytes), `${size} bytes`);
    if (size > 64 * 1024) t.ok(chunks.length > 1, `${size} bytes arrive in several chunks (streamed)`);
  }
});

t.test('fs: a writer killed mid-write leaves no blob, and its spool file is cleaned on open', async (t) => {
  const dir = tempDir(t, 'lt-blobs-');
  const moduleUrl = new URL('./fs-blob-store.ts', import.meta.url).href;
  // A real crash: the child writes 1 MiB without ending, then SIGKILLs itself.
  const script = `
    const { createFsBlobStore } = await import(${JSON.stringify(moduleUrl)});
    const store = await createFsBlobStore({ dir: ${JSON.stringify(dir)} });
    const writer = store.openWriter();
    await writer.write(Buffer.alloc(1024 * 1024, 1));
    process.kill(process.pid, 'SIGKILL');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'inherit' });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  t.equal(signal, 'SIGKILL', 'the writer died mid-write');
  const leftovers = await readdir(join(dir, '.tmp'));
  t.equal(leftovers.length, 1, 'the crash left its spool file');
  t.match(leftovers[0], new RegExp(`^${child.pid}-.*\\.part$`));

  const store = await createFsBlobStore({ dir });
  t.teardown(() => store.close());
  t.same(await readdir(join(dir, '.tmp')), [], 'spool file of the dead writer removed on open');
  t.equal(await store.has(sha256Hex(Buffer.alloc(1024 * 1024, 1))), false, 'no partial blob under its name');
  t.same((await readdir(dir)).sort(), ['.tmp'], 'nothing else was created');
});

t.test('fs: opening a second store on the same directory spares live writes', async (t) => {
  const dir = tempDir(t, 'lt-blobs-');
  const first = await createFsBlobStore({ dir });
  t.teardown(() => first.close());
  const writer = first.openWriter();
  await writer.write(Buffer.from('still writing'));
  const second = await createFsBlobStore({ dir });
  t.teardown(() => second.close());
  const { sha256 } = await writer.end();
  t.equal(await second.has(sha256), true, 'the write survived the other open and is visible to it');
});

t.test('openBlobStore without a NATS URL uses <dataDir>/blobs', async (t) => {
  const dataDir = tempDir(t, 'lt-data-');
  const store = await openBlobStore({ dataDir, natsServers: [] });
  t.teardown(() => store.close());
  const { sha256 } = await store.put(Buffer.from('default adapter'));
  t.ok((await stat(join(dataDir, 'blobs', sha256.slice(0, 2), sha256.slice(2, 4), sha256))).isFile());
});
