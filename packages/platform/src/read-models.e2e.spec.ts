import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Projection } from '@lienthong/projections';
import { requireNatsServer, startNatsServer, tempDir } from '@lienthong/testing';
import { directoryModule } from './directory-module.js';
import { startTestHub, type TestHub } from './testing.js';

/** Counts the agencies it has seen registered; fed over the bus like the dossiers' catalog replica. */
const agenciesSeen: Projection = {
  name: 'test-agencies-seen',
  version: 1,
  streamPrefixes: ['agency-'],
  init(db) {
    db.exec('CREATE TABLE seen (stream TEXT PRIMARY KEY)');
  },
  apply(db, event) {
    if (event.type === 'AgencyRegistered') db.prepare('INSERT OR IGNORE INTO seen VALUES (?)').run(event.stream);
  },
};

t.test("a process's read models are its own: a second one on the same folder is refused, whole", async (t) => {
  const dataDir = tempDir(t, 'lt-read-models-');
  const first = await startTestHub([directoryModule], { dataDir });
  await t.rejects(startTestHub([directoryModule], { dataDir }), {
    name: 'ReadModelsInUseError',
    message: new RegExp(`${join(dataDir, 'projections', 'hub')}.*in use by another process`),
  });
  await first.agency('H40');
  t.equal((await first.app.inject({ url: '/v1/agencies/H40', headers: first.admin })).statusCode, 200, 'the first keeps serving');
  await first.close();
  const again = await startTestHub([directoryModule], { dataDir });
  t.teardown(() => again.close());
  t.equal(
    (await again.app.inject({ url: '/v1/agencies/H40', headers: again.admin })).statusCode,
    200,
    'free again once the first has closed',
  );
});

t.test('two read-model folders on one data directory: each bus-fed read model gets every event', async (t) => {
  // JetStream, where consumers of one durable share its messages out (the SQLite bus gives each all of them)
  if (!requireNatsServer(t)) return;
  const nats = await startNatsServer({ jetstream: true });
  t.teardown(() => nats.stop());
  const dataDir = tempDir(t, 'lt-read-models-');
  const hubs: TestHub[] = [];
  for (const readModels of ['hub', 'dossiers'])
    hubs.push(await startTestHub([directoryModule], { dataDir, readModels, env: { LT_NATS_URL: nats.url } }));
  t.teardown(() => Promise.all(hubs.map((h) => h.close())));
  t.ok(
    existsSync(join(dataDir, 'projections', 'hub', 'directory.current')) &&
      existsSync(join(dataDir, 'projections', 'dossiers', 'directory.current')),
    'a folder each',
  );
  // the same durable name in both: the platform gives each folder a consumer of its own
  const runners = await Promise.all(
    hubs.map((h) =>
      h.platform.projection(agenciesSeen, { kind: 'bus', bus: h.platform.bus, durable: 'test-agencies-seen', services: ['directory'] }),
    ),
  );
  for (const id of ['H40', 'H41', 'H42', 'H43']) await hubs[0]!.agency(id);
  const seen = async (i: number) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const n = (runners[i]!.db().prepare('SELECT count(*) AS n FROM seen').get() as { n: number }).n;
      if (n >= 4 || Date.now() > deadline) return n;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  t.equal(await seen(0), 4, 'the hub saw every agency');
  t.equal(await seen(1), 4, 'and so did the other folder, not a share of them');
});
