import t, { type Test } from 'tap';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { eventually, requireNatsServer, startNatsCluster, tempDir, type NatsClusterHandle, type NatsClusterNode } from '@lienthong/testing';
import type { RecordedEvent } from '@lienthong/event-store';
import { createNatsBus, STREAM_NAME } from './nats-bus.js';
import type { BusLogger } from './logger.js';
import { fakeEvent, record, uniqueName } from './testing/index.js';
import { killHard, startChild } from './testing/child.js';
import { BusUnavailableError, type Bus } from './types.js';

const consumerChild = fileURLToPath(new URL('./testing/fixtures/consumer-child.ts', import.meta.url));

/** A logger keeping what was warned, for the failover messages. */
function capturingLogger(): BusLogger & { readonly lines: Array<{ message: string; object: object }> } {
  const lines: Array<{ message: string; object: object }> = [];
  const keep = (object: object, message = ''): void => void lines.push({ message, object });
  return { lines, debug: () => {}, info: keep, warn: keep, error: keep };
}

/** Publishes, retrying a failover for at most `withinMs` (what the relay does, bounded here). */
async function publishThroughFailover(bus: Bus, event: RecordedEvent, service: string, withinMs = 20_000): Promise<number> {
  const deadline = Date.now() + withinMs;
  for (let retries = 0; ; retries++) {
    try {
      await bus.publish(event, { service });
      return retries;
    } catch (error) {
      if (!(error instanceof BusUnavailableError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function streamReplicas(jsm: JetStreamManager): Promise<number> {
  return (await jsm.streams.info(STREAM_NAME)).config.num_replicas;
}

if (requireNatsServer(t)) {
  const cluster: NatsClusterHandle = await startNatsCluster();
  t.teardown(() => cluster.stop());
  const nc: NatsConnection = await connect({ servers: [...cluster.urls], maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);

  t.test('an existing LT_EVENTS with 1 replica is raised to LT_NATS_REPLICAS', async (t) => {
    const first = await createNatsBus({ servers: cluster.urls, replicas: 1 });
    await first.close();
    t.equal(await streamReplicas(jsm), 1, 'made with 1 replica');
    const second = await createNatsBus({ servers: cluster.urls, replicas: 3 });
    t.teardown(() => second.close());
    t.equal(await streamReplicas(jsm), 3, 'raised to 3 by the next process');
    const third = await createNatsBus({ servers: cluster.urls, replicas: 1 });
    await third.close();
    t.equal(await streamReplicas(jsm), 3, 'never lowered');
  });

  /** Kills `node`, publishes through the failover, restarts it: every event arrives, once each. */
  async function publishWhileDown(t: Test, node: NatsClusterNode, label: string): Promise<void> {
    const service = uniqueName('svc');
    const publisher = await createNatsBus({ servers: cluster.urls, replicas: 3, publishTimeoutMs: 2_000 });
    const reader = await createNatsBus({ servers: cluster.urls, replicas: 3, ackWaitMs: 2_000 });
    t.teardown(async () => {
      await reader.close();
      await publisher.close();
    });
    const rec = await record(reader, { durable: uniqueName('d'), services: [service] });
    const events = Array.from({ length: 40 }, (_, i) => fakeEvent('s', i));
    for (const event of events.slice(0, 10)) await publishThroughFailover(publisher, event, service);
    await node.kill();
    let retries = 0;
    for (const event of events.slice(10)) retries += await publishThroughFailover(publisher, event, service);
    t.pass(`${label} down: 30 events published after ${retries} retries`);
    const unique = (): string[] => [...new Set(rec.handled.map((h) => h.event.id))];
    await eventually(() => unique().length >= events.length, 20_000, 'every event handled');
    t.same(
      unique(),
      events.map((e) => e.id),
      `${label} down: every event, in order, once deduplicated by id`,
    );
    await node.restart();
    // Whole again before the next test kills a node: the restarted one caught up in the meta group and LT_EVENTS.
    await cluster.waitForHealthy([STREAM_NAME]);
  }

  t.test('with 3 replicas, a node that is not the meta leader killed: publishing and consuming go on', async (t) => {
    const leader = await cluster.metaLeader();
    const other = cluster.nodes.find((n) => n !== leader)!;
    await publishWhileDown(t, other, `follower ${other.name}`);
  });

  t.test('with 3 replicas, the meta leader killed: publishing and consuming go on after the failover', async (t) => {
    const leader = await cluster.metaLeader();
    t.ok(leader, 'a meta leader to kill');
    await publishWhileDown(t, leader!, `meta leader ${leader!.name}`);
  });

  t.test('JetStream without quorum: not ready, publish refused as "JetStream unavailable"; the consumer resumes after', async (t) => {
    const logger = capturingLogger();
    const service = uniqueName('svc');
    const bus = await createNatsBus({ servers: cluster.urls, replicas: 3, logger, ackWaitMs: 2_000, publishTimeoutMs: 2_000 });
    t.teardown(() => bus.close());
    const rec = await record(bus, { durable: uniqueName('d'), services: [service] });
    await bus.ping();
    const [a, b] = cluster.nodes;
    t.teardown(async () => {
      await a!.restart();
      await b!.restart();
    });
    await a!.kill();
    await b!.kill();
    // A stream leader left alone answers until nats-server's raft sees the quorum lost (10 s of
    // missed heartbeats, checked every 3 s: ~13 s) and steps down. After that the lone replica
    // still answers the stream's info, without a leader (CI once waited 75 s on a ping that only
    // looked at the answer); the ping refuses that. Up to 75 s, within the file's 120 s.
    await eventually(
      () =>
        bus.ping().then(
          () => false,
          (error: unknown) => error instanceof BusUnavailableError,
        ),
      75_000,
      'ping refused',
    );
    t.pass('not ready: the node left answers, JetStream does not');
    const refused = await bus.publish(fakeEvent('s', 0), { service }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    t.type(refused, BusUnavailableError, 'publish refused as unavailable');
    t.match(refused?.message, /JetStream unavailable \(/, `says what happened: ${refused?.message}`);
    t.notMatch(refused?.message, /not enabled/);
    await a!.restart();
    await b!.restart();
    await cluster.waitForJetStream();
    const event = fakeEvent('s', 1);
    await publishThroughFailover(bus, event, service);
    // The refused publish may still have been stored (a timeout is not a refusal): it may come first.
    await eventually(() => rec.handled.some((h) => h.event.id === event.id), 20_000, 'the event published after');
    t.pass('the consumer pulls again once JetStream is back');
    await bus.ping();
    t.notMatch(JSON.stringify(logger.lines), /not enabled/, 'the log never says "jetstream is not enabled"');
    // Whole again before the next test asks JetStream's API (CI once timed out listing consumers
    // while the restarted nodes were still catching up).
    await cluster.waitForHealthy([STREAM_NAME]);
  });

  t.test("a gone process's own durable expires; a shared durable stays", async (t) => {
    const service = uniqueName('svc');
    const own = uniqueName('own');
    const shared = uniqueName('shared');
    const log = join(tempDir(t), 'handled.log');
    const urls = cluster.urls.join(',');
    const instance = await startChild(consumerChild, [urls, own, service, log, '2000']);
    const sharing = await startChild(consumerChild, [urls, shared, service, log]);
    t.teardown(() => killHard(instance));
    t.teardown(() => killHard(sharing));
    const names = async (): Promise<string[]> => {
      const found: string[] = [];
      for await (const info of jsm.consumers.list(STREAM_NAME)) found.push(info.name);
      return found;
    };
    t.ok((await names()).includes(own), 'the durable exists while its process runs');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    t.ok((await names()).includes(own), 'and is kept past the threshold while the process pulls');
    await killHard(instance);
    await killHard(sharing);
    await eventually(async () => !(await names()).includes(own), 20_000, 'the durable of the gone process expires');
    t.ok((await names()).includes(shared), 'the shared durable (no expiry) is still there');
  });
}
