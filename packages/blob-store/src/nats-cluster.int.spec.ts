import { randomBytes, randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { requireNatsServer, startNatsCluster, tempDir, type NatsClusterNode } from '@lienthong/testing';
import { createNatsBlobStore } from './nats-blob-store.js';
import { getThroughFailover, putThroughFailover } from './testing/failover.js';
import type { PutResult } from './types.js';

if (requireNatsServer(t)) {
  const cluster = await startNatsCluster();
  t.teardown(() => cluster.stop());
  const open = (t: Test, bucket: string, replicas?: number) =>
    createNatsBlobStore({ servers: cluster.urls, bucket, spoolDir: tempDir(t), ...(replicas ? { replicas } : {}) });

  t.test('the bucket is made with the replicas asked for; an existing one with 1 is raised', async (t) => {
    const nc = await connect({ servers: [...cluster.urls] });
    t.teardown(() => nc.close());
    const fresh = `T_${randomUUID().slice(0, 8)}`;
    await (await open(t, fresh, 3)).close();
    t.equal((await (await new Objm(nc).open(fresh)).status()).replicas, 3, 'made with 3');
    const old = `T_${randomUUID().slice(0, 8)}`;
    await (await open(t, old)).close();
    t.equal((await (await new Objm(nc).open(old)).status()).replicas, 1, 'made as before LT_NATS_REPLICAS');
    await (await open(t, old, 3)).close();
    t.equal((await (await new Objm(nc).open(old)).status()).replicas, 3, 'raised to 3 by the next process');
  });

  async function putWhileDown(t: Test, node: NatsClusterNode, label: string): Promise<void> {
    const store = await open(t, 'LT_BLOBS_FAILOVER', 3);
    t.teardown(() => store.close());
    const blobs = Array.from({ length: 12 }, () => randomBytes(40_000));
    const stored: PutResult[] = [];
    for (const bytes of blobs.slice(0, 4)) stored.push(await putThroughFailover(store, bytes));
    // One node lost, not two: the node the previous test restarted must have caught up first.
    await cluster.waitForHealthy(['OBJ_LT_BLOBS_FAILOVER']);
    t.teardown(async () => {
      await node.restart();
      await cluster.waitForHealthy(['OBJ_LT_BLOBS_FAILOVER']);
    });
    await node.kill();
    for (const bytes of blobs.slice(4)) stored.push(await putThroughFailover(store, bytes));
    for (const [i, { sha256 }] of stored.entries())
      t.same(await getThroughFailover(store, sha256), blobs[i], `${label} down: blob ${i} read back whole`);
  }

  t.test('with 3 replicas, a node that is not the meta leader killed: blobs are stored and read', { timeout: 60_000 }, async (t) => {
    const leader = await cluster.metaLeader();
    const other = cluster.nodes.find((n) => n !== leader)!;
    await putWhileDown(t, other, `follower ${other.name}`);
  });

  t.test('with 3 replicas, the meta leader killed: blobs are stored and read after the failover', { timeout: 60_000 }, async (t) => {
    const leader = await cluster.metaLeader();
    t.ok(leader, 'a meta leader to kill');
    await putWhileDown(t, leader!, `meta leader ${leader!.name}`);
  });
}
