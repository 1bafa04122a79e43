import t from 'tap';
import { createEsdbEventStore } from './esdb-event-store.js';
import { testEventStore } from './testing/contract.js';

// Runs only against a real EventStoreDB: LT_ESDB_TEST_URL=esdb://localhost:2113?tls=false
const url = process.env.LT_ESDB_TEST_URL;

if (!url) {
  t.test('EventStoreDB contract', { skip: 'set LT_ESDB_TEST_URL (e.g. esdb://localhost:2113?tls=false) to run it' }, async () => {});
} else {
  await testEventStore(t, 'eventstoredb', async () => {
    const store = createEsdbEventStore(url);
    // Streams are unique per test; a shared server keeps them, so cleanup only disconnects.
    return { store, cleanup: () => store.close() };
  });
}
