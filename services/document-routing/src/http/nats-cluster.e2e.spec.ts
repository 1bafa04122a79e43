import t from 'tap';
import { eventually, requireNatsServer, startNatsCluster } from '@lienthong/testing';
import { get, inbox, postXml, sampleDocument, sampleXml, startRoutingHub, type Auth } from '../test/helpers.js';
import type { TestHub } from '@lienthong/platform/testing';

t.test('on a 3-node NATS cluster: documents through a node loss, readiness covers the blob store', async (t) => {
  if (!requireNatsServer(t)) return;
  const cluster = await startNatsCluster();
  t.teardown(() => cluster.stop());
  // Three seeds: LT_EVENTS and LT_BLOBS get 3 replicas by default.
  const hub = await startRoutingHub({ env: { LT_NATS_URL: cluster.urls.join(','), LT_PARSE_WORKERS: '1' } });
  t.teardown(() => hub.close());
  await hub.agency('000.00.00.H40');
  await hub.agency('000.00.12.H40');
  const sender = await hub.system(['000.00.00.H40']);
  const recipient = await hub.system(['000.00.12.H40']);

  const ready = await hub.app.inject('/health/ready');
  t.equal(ready.statusCode, 200, ready.body);
  t.ok(
    (ready.json() as { checks: Array<{ name: string }> }).checks.some((c) => c.name === 'blobStore'),
    'readiness checks the blob store',
  );

  let n = 0;
  const submit = async (hub: TestHub, sender: Auth) => {
    n += 1;
    const xml = await sampleXml(sampleDocument({ from: '000.00.00.H40', to: ['000.00.12.H40'], documentId: `cluster-${n}` }), [
      { name: `cv-${n}.pdf`, bytes: Buffer.from(`%PDF-1.4 công văn ${n} `.repeat(300)), contentType: 'application/pdf' },
    ]);
    return postXml(hub, sender, xml);
  };
  /** A vendor system retrying a 503 (as Retry-After says), for at most 20 s. */
  const submitRetrying = async (): Promise<number> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await submit(hub, sender);
      if (res.statusCode !== 503 || Date.now() > deadline) return res.statusCode;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  t.equal(await submitRetrying(), 202, 'accepted with the whole cluster');
  const leader = await cluster.metaLeader();
  const follower = cluster.nodes.find((node) => node !== leader)!;
  await follower.kill();
  t.equal(await submitRetrying(), 202, `accepted with ${follower.name} down`);
  await follower.restart();
  await cluster.waitForJetStream();

  await Promise.all(cluster.nodes.map((node) => node.kill()));
  await eventually(async () => (await hub.app.inject('/health/ready')).statusCode === 503, 15_000, 'not ready');
  const notReady = await hub.app.inject('/health/ready');
  t.match(notReady.json().detail, /blobStore/, `names the blob store: ${notReady.json().detail}`);
  const refused = await submit(hub, sender);
  t.equal(refused.statusCode, 503, `a submission while the blob store is down is 503, not 500: ${refused.body}`);
  t.equal(refused.json().code, 'LT_UNAVAILABLE');

  await Promise.all(cluster.nodes.map((node) => node.restart()));
  await cluster.waitForJetStream();
  await eventually(async () => (await hub.app.inject('/health/ready')).statusCode === 200, 20_000, 'ready again');
  t.pass('ready again once the cluster is back');
  t.equal(await submitRetrying(), 202, 'accepted again');
  const items = await inbox(hub, recipient);
  t.ok(items.length >= 3, `every accepted document delivered (${items.length})`);
  const json = (await get(hub, recipient, `/v1/deliveries/${items[0]!.deliveryId}/content?format=json`)).json() as {
    document: { attachments: Array<{ url: string }> };
  };
  t.equal((await get(hub, recipient, json.document.attachments[0]!.url)).statusCode, 200, 'the attachment is served');
});
