import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { requireNatsServer, startNatsServer, tempDir } from '@lienthong/testing';
import { BlobStoreUnavailableError } from './errors.js';
import { createNatsBlobStore } from './nats-blob-store.js';
import { openBlobStore } from './open.js';
import { readAll, testBlobStore } from './testing/index.js';

if (requireNatsServer(t)) {
  const server = await startNatsServer();
  t.teardown(() => server.stop());

  // Each subtest gets its own bucket, so they start empty without restarting the server.
  testBlobStore(t, 'nats', async (t) => {
    const spoolDir = tempDir(t, 'lt-blob-spool-');
    const store = await createNatsBlobStore({ servers: server.url, bucket: `T_${randomUUID().slice(0, 8)}`, spoolDir });
    t.teardown(() => store.close());
    return { store, spoolDir };
  });

  t.test('nats: a second store on the same bucket sees the blob, also after a server restart', async (t) => {
    const bucket = `T_${randomUUID().slice(0, 8)}`;
    const writer = await createNatsBlobStore({ servers: server.url, bucket, spoolDir: tempDir(t) });
    t.teardown(() => writer.close());
    const { sha256 } = await writer.put(Buffer.from('shared across processes'), { contentType: 'text/plain' });
    await server.restart();
    const reader = await createNatsBlobStore({ servers: server.url, bucket, spoolDir: tempDir(t) });
    t.teardown(() => reader.close());
    t.same(await reader.stat(sha256), { size: 23, contentType: 'text/plain' });
    t.equal((await readAll(await reader.get(sha256))).toString(), 'shared across processes');
  });

  t.test('nats: an unreachable server is a BlobStoreUnavailableError', async (t) => {
    await t.rejects(
      createNatsBlobStore({ servers: 'nats://127.0.0.1:1', spoolDir: tempDir(t) }),
      BlobStoreUnavailableError,
    );
  });

  t.test('openBlobStore with a NATS URL uses the LT_BLOBS bucket', async (t) => {
    const dataDir = tempDir(t, 'lt-data-');
    const store = await openBlobStore({ dataDir, natsServers: [server.url] });
    t.teardown(() => store.close());
    const { sha256 } = await store.put(Buffer.from('via openBlobStore'));
    const direct = await createNatsBlobStore({ servers: server.url, bucket: 'LT_BLOBS', spoolDir: join(dataDir, 'x') });
    t.teardown(() => direct.close());
    t.equal(await direct.has(sha256), true);
  });
}
