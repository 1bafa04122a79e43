import t from 'tap';
import { versionAtLeast } from './nats-bus.js';
import { subjectFor } from './types.js';
import { assertEventType, assertServiceName, backoffMs, sleep } from './util.js';

t.test('subjectFor', async (t) => {
  t.equal(subjectFor('documents', 'DocumentSubmitted'), 'lt.evt.documents.DocumentSubmitted');
});

t.test('service names are one subject token', async (t) => {
  t.doesNotThrow(() => assertServiceName('inbox_2-x'));
  for (const bad of ['', 'a.b', 'a*', '>', 'a b']) t.throws(() => assertServiceName(bad), TypeError, bad);
});

t.test('event types may be dotted, never wildcards or empty tokens', async (t) => {
  t.doesNotThrow(() => assertEventType('DocumentSubmitted'));
  t.doesNotThrow(() => assertEventType('document.submitted'));
  for (const bad of ['', 'a..b', '.a', 'a.', 'a*', 'a.>', 'a b']) t.throws(() => assertEventType(bad), TypeError, bad);
});

t.test('backoff grows to a ceiling', async (t) => {
  t.same(
    [0, 1, 2, 3].map((n) => backoffMs(n)),
    [100, 200, 400, 800],
  );
  t.equal(backoffMs(50, 5_000), 5_000);
});

t.test('sleep ends early on abort', async (t) => {
  const abort = new AbortController();
  const started = Date.now();
  setTimeout(() => abort.abort(), 20);
  await sleep(5_000, abort.signal);
  t.ok(Date.now() - started < 1_000);
});

t.test('versionAtLeast', async (t) => {
  t.ok(versionAtLeast('2.10.0', 2, 10));
  t.ok(versionAtLeast('3.0.1', 2, 10));
  t.notOk(versionAtLeast('2.9.10', 2, 10));
});
