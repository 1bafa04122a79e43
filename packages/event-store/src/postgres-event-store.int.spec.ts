import { requirePostgres, startPostgres } from '@lienthong/testing';
import t from 'tap';
import { createPostgresEventStore } from './postgres-event-store.js';
import { testEventStore } from './testing/contract.js';

if (requirePostgres(t)) {
  const server = await startPostgres();
  t.teardown(() => server.stop());
  const url = await server.createDatabase('contract');
  await testEventStore(t, 'postgres', async () => {
    const store = createPostgresEventStore({ url, pollMs: 100 });
    // One database for every test: stream names are unique per test, as on EventStoreDB.
    return { store, cleanup: () => store.close() };
  });
}
