import { createHash, randomUUID } from 'node:crypto';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
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

  t.test('nats: an object whose bytes are not its name is replaced by the next put of that content', async (t) => {
    const bucket = `T_${randomUUID().slice(0, 8)}`;
    const store = await createNatsBlobStore({ servers: server.url, bucket, spoolDir: tempDir(t) });
    t.teardown(() => store.close());
    const right = Buffer.from('the real attachment');
    const sha256 = createHash('sha256').update(right).digest('hex');
    // a bad earlier upload (or a hand-made object) sits under the content's name
    const nc = await connect({ servers: server.url });
    t.teardown(() => nc.close());
    const os = await new Objm(nc).open(bucket);
    await os.putBlob({ name: sha256 }, Buffer.from('something else entirely'));
    t.same(await store.put(right), { sha256, size: right.length });
    t.same(await readAll(await store.get(sha256)), right, 'the right bytes now');
  });

  t.test('nats: an unreachable server is a BlobStoreUnavailableError', async (t) => {
    await t.rejects(createNatsBlobStore({ servers: 'nats://127.0.0.1:1', spoolDir: tempDir(t) }), BlobStoreUnavailableError);
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
