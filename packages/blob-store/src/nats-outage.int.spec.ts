import { randomBytes } from 'node:crypto';
import t from 'tap';
import { eventually, requireNatsServer, startNatsCluster, tempDir } from '@lienthong/testing';
import { BlobStoreUnavailableError } from './errors.js';
import { createNatsBlobStore } from './nats-blob-store.js';
import { getThroughFailover, putThroughFailover } from './testing/failover.js';
import type { BlobStore } from './types.js';

const answers = (store: BlobStore) => () =>
  store.ping().then(
    () => true,
    () => false,
  );
const refuses = (store: BlobStore) => () =>
  store.ping().then(
    () => false,
    (error: unknown) => error instanceof BlobStoreUnavailableError,
  );

if (requireNatsServer(t)) {
  const cluster = await startNatsCluster();
  t.teardown(() => cluster.stop());

  t.test('every node down: ping and put refuse as unavailable; all back: the store works again', async (t) => {
    const store = await createNatsBlobStore({ servers: cluster.urls, bucket: 'LT_BLOBS_OUTAGE', spoolDir: tempDir(t), replicas: 3 });
    t.teardown(() => store.close());
    t.ok(await answers(store)(), 'answers while the cluster runs');
    let down = false;
    t.teardown(() => (down ? Promise.all(cluster.nodes.map((n) => n.restart())) : undefined));
    down = true;
    await Promise.all(cluster.nodes.map((n) => n.kill()));
    await eventually(refuses(store), 10_000, 'ping refused');
    await t.rejects(store.put(randomBytes(1000)), BlobStoreUnavailableError, 'a put during the outage is refused as unavailable');
    // Longer than the client's default reconnect budget (10 tries, 2 s apart): the store must not give up.
    await new Promise((resolve) => setTimeout(resolve, 22_000));
    await Promise.all(cluster.nodes.map((n) => n.restart()));
    down = false;
    await cluster.waitForJetStream();
    await eventually(answers(store), 20_000, 'ping answered again');
    const bytes = randomBytes(5000);
    const { sha256 } = await putThroughFailover(store, bytes);
    t.same(await getThroughFailover(store, sha256), bytes, 'stored and read after the outage');
  });

  t.test('opened while the cluster has no quorum (as just after its restart): waits for it instead of failing the start', async (t) => {
    const [, second, third] = cluster.nodes;
    await Promise.all([second!.kill(), third!.kill()]);
    let restarted = false;
    t.teardown(() => (restarted ? undefined : Promise.all([second!.restart(), third!.restart()])));
    const warnings: string[] = [];
    const opening = createNatsBlobStore({
      servers: cluster.urls,
      bucket: 'LT_BLOBS_LATE',
      spoolDir: tempDir(t),
      replicas: 3,
      warn: (message) => warnings.push(message),
    });
    let settled = false;
    void opening.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    t.notOk(settled, 'still waiting while JetStream has no quorum');
    await Promise.all([second!.restart(), third!.restart()]);
    restarted = true;
    const store = await opening;
    t.teardown(() => store.close());
    t.match(warnings.join('\n'), /bucket LT_BLOBS_LATE not available yet/, 'the wait is told');
    const bytes = randomBytes(3000);
    const { sha256 } = await putThroughFailover(store, bytes);
    t.same(await getThroughFailover(store, sha256), bytes, 'the bucket works once the cluster is back');
  });
}
