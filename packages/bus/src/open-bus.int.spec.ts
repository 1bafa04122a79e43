import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { requireNatsServer, startNatsServer, tempDir } from '@lienthong/testing';
import { createSqliteCheckpointStore } from './checkpoint-store.js';
import { openBus } from './open-bus.js';
import { fakeEvent, record } from './testing/index.js';

t.test('without NATS servers: the SQLite bus in <dataDir>/bus.sqlite', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const bus = await openBus({ dataDir });
  t.teardown(() => bus.close());
  t.ok(existsSync(join(dataDir, 'bus.sqlite')), 'created the data dir and the log');
  await bus.publish(fakeEvent('s', 0), { service: 'svc' });
  const rec = await record(bus, { durable: 'd' });
  await rec.waitFor(1);
  await rec.consumer.stop();
  t.equal(rec.handled.length, 1);
});

t.test('with NATS servers: NATS', async (t) => {
  if (!requireNatsServer(t)) return;
  const server = await startNatsServer({ jetstream: true });
  t.teardown(() => server.stop());
  const dataDir = join(tempDir(t), 'data');
  const bus = await openBus({ natsServers: [server.url], dataDir });
  t.teardown(() => bus.close());
  await t.resolves(bus.ping());
  t.notOk(existsSync(join(dataDir, 'bus.sqlite')), 'no SQLite log');
});

t.test('checkpoints load 0, save, never move back, survive a reopen', async (t) => {
  const file = join(tempDir(t), 'relay.sqlite');
  const first = createSqliteCheckpointStore(file);
  t.equal(await first.load('relay:a'), 0);
  await first.save('relay:a', 10);
  await first.save('relay:a', 7);
  await first.save('relay:b', 3);
  t.equal(await first.load('relay:a'), 10, 'not moved back');
  await first.close();
  const second = createSqliteCheckpointStore(file);
  t.teardown(() => second.close());
  t.equal(await second.load('relay:a'), 10);
  t.equal(await second.load('relay:b'), 3);
});
