import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { fold } from '@lienthong/decider';
import { createSqliteEventStore, type EventStore } from '@lienthong/event-store';
import { tempDir } from '@lienthong/testing';
import { connectorDecider } from '../domain/connector-decider.js';
import { connectorStream, CONNECTOR_STREAM_PREFIX } from '../domain/events.js';
import { toConnectorEvent } from '../projections/registry-projection.js';
import { sealSecret } from '../secrets.js';
import { startTestEngine } from '../test/engine.js';

const CONNECTORS = 60;
const HISTORY = 50; // checkpoint events per connector: 3,000 events of history
const key = randomBytes(32);
const context = { correlationId: 'spec', actor: 'admin:spec' };

/** The store, counting what is read of the connector streams: by stream, and by the registry's catch-up. */
function counting(store: EventStore) {
  const read = { streamReads: 0, registryEvents: 0 };
  const overrides: Partial<EventStore> = {
    readStream: async (stream, options) => {
      if (stream.startsWith(CONNECTOR_STREAM_PREFIX)) read.streamReads++;
      return store.readStream(stream, options);
    },
    readAll: async (options) => {
      const events = await store.readAll(options);
      if (options?.streamPrefixes?.includes(CONNECTOR_STREAM_PREFIX)) read.registryEvents += events.length;
      return events;
    },
  };
  const wrapped = new Proxy(store, {
    get(target, name, receiver) {
      if (name in overrides) return overrides[name as keyof EventStore];
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, read };
}

function startEngine(store: EventStore, projectionsDir: string) {
  return startTestEngine(store, projectionsDir, {
    key,
    delivery: {
      concurrency: 2,
      maxQueued: 100,
      retryBudgetMs: 60_000,
      initialBackoffMs: 1000,
      maxBackoffMs: 1000,
      checkpointEveryMs: 600_000,
      pollMs: 5_000,
    },
    limits: { timeoutMs: 1000, maxResponseBytes: 1024 },
    registryWaitMs: 60_000,
  });
}

const ids = Array.from({ length: CONNECTORS }, (_, i) => `c${String(i).padStart(3, '0')}`);

t.test('a restart reads the registry read model, not the connectors’ histories; states are those of the streams', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'events.sqlite');
  const projections = join(dir, 'projections');

  // 1. many connectors, each with a long history (checkpoints), some paused, deleted, with dead letters
  const first = createSqliteEventStore({ file, sync: 'normal' });
  const one = await startEngine(first, projections);
  for (const [i, connectorId] of ids.entries()) {
    await one.engine.command(
      connectorId,
      {
        type: 'RegisterConnector',
        data: {
          connectorId,
          kind: 'webhook',
          url: 'http://127.0.0.1:9/hook',
          secretSealed: sealSecret(key, connectorId, `whsec_${randomBytes(24).toString('base64')}`),
          eventTypes: null,
          agencyIds: i % 4 === 0 ? ['H40'] : null,
          startAfter: 0,
        },
      },
      context,
    );
    if (i % 3 === 0) await one.engine.command(connectorId, { type: 'PauseConnector', data: {} }, context);
  }
  const meta = () => ({ correlationId: 'spec', actor: 'system:spec', at: new Date().toISOString() });
  for (const connectorId of ids)
    await first.append(
      connectorStream(connectorId),
      Array.from({ length: HISTORY }, (_, k) => ({ type: 'DeliveryCheckpointed', data: { position: 1_000 + k }, metadata: meta() })),
    );
  for (const [i, connectorId] of ids.entries()) {
    if (i % 7 === 0) {
      const letter = { position: 999, eventId: `e${i}`, stream: 'dossier-X', type: 'DossierAccepted', reason: 'http-500', attempts: 9 };
      await one.engine.command(
        connectorId,
        { type: 'DeadLetterDelivery', data: { ...letter, firstAttemptAt: new Date(0).toISOString(), epoch: 0 } },
        context,
      );
    }
    if (i % 5 === 0) await one.engine.command(connectorId, { type: 'DeleteConnector', data: {} }, context);
  }
  await one.close();
  await first.close();

  const truth = async (store: EventStore) =>
    new Map(
      await Promise.all(
        ids.map(async (id) => [id, fold(connectorDecider, (await store.readStream(connectorStream(id))).map(toConnectorEvent))] as const),
      ),
    );

  // 2. restart: the registry is read from its read model, nothing of the streams
  const second = counting(createSqliteEventStore({ file, sync: 'normal' }));
  const two = await startEngine(second.store, projections);
  t.equal(second.read.streamReads, 0, 'no connector stream read at start');
  t.equal(second.read.registryEvents, 0, 'no connector event read again: the read model was up to date');
  const expected = await truth(second.store);
  t.match(expected.get(ids[1]!), { registered: true, checkpoint: 1_000 + HISTORY - 1 }, 'the history is there');
  for (const id of ids) t.same(two.engine.state(id), expected.get(id), `${id}: the state folded from its stream`);
  t.equal(two.engine.list().length, ids.filter((_, i) => i % 5 !== 0).length, 'deleted connectors are not listed');
  t.ok(
    two.engine.list().every((c) => c.paused === (ids.indexOf(c.connectorId) % 3 === 0)),
    'paused connectors stay paused',
  );
  t.comment(`start with ${CONNECTORS} connectors and ${CONNECTORS * (HISTORY + 2)} connector events: ${two.startMs.toFixed(1)} ms`);
  // and the engine follows new events from there
  await two.engine.command(ids[1]!, { type: 'PauseConnector', data: {} }, context);
  t.match(two.engine.state(ids[1]!), { registered: true, paused: true }, 'a command after the restart applies');
  await two.close();
  await second.store.close();

  // 3. without the read model (first start after an upgrade, or a lost file) it is rebuilt once from the streams
  const third = counting(createSqliteEventStore({ file, sync: 'normal' }));
  const three = await startEngine(third.store, join(dir, 'projections-fresh'));
  t.ok(third.read.registryEvents >= CONNECTORS * HISTORY, `the rebuild read the history once (${third.read.registryEvents} events)`);
  const again = await truth(third.store);
  for (const id of ids) t.same(three.engine.state(id), again.get(id), `${id}: rebuilt state`);
  await three.close();
  await third.store.close();
});
