import t from 'tap';
import { requireNatsServer, startNatsServer } from '@lienthong/testing';
import { createNatsBus } from './nats-bus.js';
import { testBus } from './testing/index.js';

if (requireNatsServer(t)) {
  const server = await startNatsServer({ jetstream: true });
  t.teardown(() => server.stop());

  await testBus(t, 'nats', async () => createNatsBus({ servers: server.url, name: 'contract' }));
}
