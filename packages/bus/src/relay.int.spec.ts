import t from 'tap';
import type { Test } from 'tap';
import { join } from 'node:path';
import { createSqliteEventStore, type EventStore, type NewEvent } from '@lienthong/event-store';
import { eventually, requireNatsServer, startNatsServer, tempDir } from '@lienthong/testing';
import { createSqliteCheckpointStore } from './checkpoint-store.js';
import { createNatsBus } from './nats-bus.js';
import { startRelay } from './relay.js';
import { createSqliteBus } from './sqlite-bus.js';
import { record, uniqueName } from './testing/index.js';
import { RELAY_CHILD, restartRelayExpectingOnce, runChild } from './testing/child.js';
import { BusUnavailableError, type Bus } from './types.js';

const newEvent = (type: string, n: number): NewEvent => ({
  type,
  data: { n },
  metadata: { correlationId: `c-${n}`, actor: 'test', at: new Date().toISOString() },
});

async function appendMany(store: EventStore, stream: string, from: number, count: number): Promise<string[]> {
  const result = await store.append(
    stream,
    Array.from({ length: count }, (_, i) => newEvent('Step', from + i)),
  );
  return result.events.map((e) => e.id);
}

interface BusKind {
  /** A bus spec for the relay child: a NATS url or a SQLite file. */
  spec(t: Test): string;
  open(spec: string): Promise<Bus>;
}

async function relaySuite(t: Test, name: string, kind: BusKind): Promise<void> {
  await t.test(`relay over ${name}`, async (t) => {
    t.test('publishes the service streams in order, from the checkpoint', async (t) => {
      const dir = tempDir(t);
      const store = createSqliteEventStore({ file: join(dir, 'events.sqlite'), pollMs: 50 });
      const checkpoints = createSqliteCheckpointStore(join(dir, 'relay.sqlite'));
      const bus = await kind.open(kind.spec(t));
      t.teardown(async () => {
        await bus.close();
        await checkpoints.close();
        await store.close();
      });
      const service = uniqueName('records');
      const expected: string[] = [];
      expected.push(...(await appendMany(store, 'doc-1', 0, 3)));
      await appendMany(store, 'other-1', 0, 2); // another service's stream: not relayed
      expected.push(...(await appendMany(store, 'doc-2', 0, 2)));

      const rec = await record(bus, { durable: uniqueName('d'), services: [service] });
      let relay = await startRelay({ store, bus, service, streamPrefixes: ['doc-'], checkpoints });
      await rec.waitFor(5);
      t.same(
        rec.handled.map((h) => h.event.id),
        expected,
        'only doc- events, in position order',
      );
      t.equal(rec.handled[0]?.event.stream, 'doc-1');
      await eventually(async () => (await relay.lag()) === 0, 5_000, 'lag 0');
      const last = await store.headPosition();
      t.equal(relay.checkpoint(), last, 'checkpoint at the last relayed position');
      await relay.stop();
      t.equal(await checkpoints.load(`relay:${service}`), last, 'checkpoint saved');

      expected.push(...(await appendMany(store, 'doc-1', 3, 2)));
      t.ok((await relay.lag()) >= 2, 'lag counts what the stopped relay has not published');
      relay = await startRelay({ store, bus, service, streamPrefixes: ['doc-'], checkpoints });
      await rec.waitFor(7);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await relay.stop();
      await rec.consumer.stop();
      t.same(
        rec.handled.map((h) => h.event.id),
        expected,
        'resumed after the checkpoint: no repeat',
      );
    });

    t.test('a failing bus is retried; no event is skipped', async (t) => {
      const dir = tempDir(t);
      const store = createSqliteEventStore({ file: join(dir, 'events.sqlite'), pollMs: 50 });
      const checkpoints = createSqliteCheckpointStore(join(dir, 'relay.sqlite'));
      const real = await kind.open(kind.spec(t));
      t.teardown(async () => {
        await real.close();
        await checkpoints.close();
        await store.close();
      });
      const service = uniqueName('records');
      const ids = await appendMany(store, 'doc-1', 0, 4);
      let refusals = 0;
      const flaky: Bus = {
        ...real,
        async publish(event, options) {
          if (event.id === ids[1] && refusals < 3) {
            refusals += 1;
            throw new BusUnavailableError('planned outage');
          }
          return real.publish(event, options);
        },
        async publishBatch(events, options) {
          for (const event of events) await this.publish(event, options);
        },
      };
      const rec = await record(real, { durable: uniqueName('d'), services: [service] });
      const relay = await startRelay({ store, bus: flaky, service, streamPrefixes: ['doc-'], checkpoints, maxBackoffMs: 50 });
      await rec.waitFor(4);
      await relay.stop();
      await rec.consumer.stop();
      t.equal(refusals, 3, 'the outage was met');
      t.same(
        rec.handled.map((h) => h.event.id),
        ids,
        'all, in order, after the retries',
      );
    });

    t.test('a relay killed between publish and checkpoint loses nothing, repeats nothing', async (t) => {
      const dir = tempDir(t);
      const storeFile = join(dir, 'events.sqlite');
      const checkpointFile = join(dir, 'relay.sqlite');
      const spec = kind.spec(t);
      const store = createSqliteEventStore({ file: storeFile, pollMs: 50 });
      const bus = await kind.open(spec);
      t.teardown(async () => {
        await bus.close();
        await store.close();
      });
      const service = uniqueName('records');
      const rec = await record(bus, { durable: uniqueName('d'), services: [service] });
      const expected = await appendMany(store, 'doc-1', 0, 8);

      // 1. The relay dies right after the 5th publish, before its checkpoint.
      const crashed = await runChild(RELAY_CHILD, [storeFile, checkpointFile, spec, service, 'doc-', '5']);
      t.equal(crashed.signal, 'SIGKILL', 'the relay died');
      const afterCrash = createSqliteCheckpointStore(checkpointFile);
      const fifth = (await store.readStream('doc-1'))[4];
      t.ok((await afterCrash.load(`relay:${service}`)) < fifth!.position, 'checkpoint stayed before the 5th');
      await afterCrash.close();
      // 2. Appends while no relay runs.
      expected.push(...(await appendMany(store, 'doc-2', 0, 6)));
      // 3. A new relay republishes from the checkpoint: the 5th event goes out again.
      await restartRelayExpectingOnce(t, rec, [storeFile, checkpointFile, spec, service, 'doc-', '0'], expected);
      const checkpoints = createSqliteCheckpointStore(checkpointFile);
      await eventually(
        async () => (await checkpoints.load(`relay:${service}`)) === (await store.headPosition()),
        5_000,
        'checkpoint at head',
      );
      await checkpoints.close();
      t.pass('checkpoint caught up with the head');
    });
  });
}

await relaySuite(t, 'the SQLite bus', {
  spec: (t) => join(tempDir(t), 'bus.sqlite'),
  open: async (file) => createSqliteBus({ file, pollIntervalMs: 50 }),
});

if (requireNatsServer(t)) {
  const server = await startNatsServer({ jetstream: true });
  t.teardown(() => server.stop());
  await relaySuite(t, 'NATS', {
    spec: () => server.url,
    open: (url) => createNatsBus({ servers: url }),
  });
}
