import t from 'tap';
import { requireNatsServer, startNatsServer } from '@lienthong/testing';
import { A, PROCEDURE, startTrackerHub } from './test/helpers.js';

t.test('on JetStream: the catalog replica and the tracker read model are fed over NATS', async (t) => {
  if (!requireNatsServer(t)) return;
  const nats = await startNatsServer({ jetstream: true });
  t.teardown(() => nats.stop());
  const hub = await startTrackerHub({ env: { LT_NATS_URL: nats.url } });
  t.teardown(() => hub.close());
  t.equal((await hub.inject('GET', '/health/ready')).statusCode, 200, 'ready, both durable consumers created');
  await hub.agency(A);
  await hub.publishProcedure(PROCEDURE, 5); // waits for the dossiers' catalog replica (bus feed)
  const clerk = await hub.staff(A, ['clerk']);
  const { dossierCode, lookupPin } = await hub.receive(clerk, A); // waits for the tracker (bus feed)
  const first = await hub.track(dossierCode, lookupPin);
  t.equal(first.statusCode, 200, first.body);
  t.match(first.json(), { dossierCode, statusCode: 1 });
  t.equal((await hub.act(clerk, dossierCode, 'accept', {})).statusCode, 200);
  t.match((await hub.track(dossierCode, lookupPin)).json(), { statusCode: 2 }, 'a change arrives over NATS too');
});
