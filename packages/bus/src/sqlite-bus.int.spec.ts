import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '@lienthong/testing';
import { createSqliteBus } from './sqlite-bus.js';
import { fakeEvent, record, testBus, uniqueName } from './testing/index.js';

await testBus(t, 'sqlite', async (t) => createSqliteBus({ file: join(tempDir(t), 'bus.sqlite') }));

t.test('the log survives a reopen: durable position and dedupe', async (t) => {
  const file = join(tempDir(t), 'bus.sqlite');
  const service = uniqueName('svc');
  const events = Array.from({ length: 4 }, (_, i) => fakeEvent('s', i));
  const first = createSqliteBus({ file });
  for (const event of events.slice(0, 3)) await first.publish(event, { service });
  const rec1 = await record(first, { durable: 'reader', services: [service] });
  await rec1.waitFor(3);
  await first.close();

  const second = createSqliteBus({ file });
  t.teardown(() => second.close());
  await second.publish(events[0]!, { service }); // already in the log: ignored
  await second.publish(events[3]!, { service });
  const rec2 = await record(second, { durable: 'reader', services: [service] });
  await rec2.waitFor(1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await rec2.consumer.stop();
  t.same(
    rec2.handled.map((h) => h.event.id),
    [events[3]!.id],
    'only the new one, once',
  );
});

t.test('a second bus on the same file sees publishes (polling across instances)', async (t) => {
  const file = join(tempDir(t), 'bus.sqlite');
  const writer = createSqliteBus({ file });
  const reader = createSqliteBus({ file, pollIntervalMs: 50 });
  t.teardown(async () => {
    await reader.close();
    await writer.close();
  });
  const rec = await record(reader, { durable: 'r' });
  const event = fakeEvent('s', 0);
  await writer.publish(event, { service: 'svc' });
  await rec.waitFor(1, 3_000);
  t.equal(rec.handled[0]?.event.id, event.id);
});

t.test('prune deletes what every durable acknowledged', async (t) => {
  const bus = createSqliteBus({ file: join(tempDir(t), 'bus.sqlite') });
  t.teardown(() => bus.close());
  t.equal(await bus.prune(), 0, 'nothing without durables');
  const events = Array.from({ length: 5 }, (_, i) => fakeEvent('s', i));
  for (const event of events) await bus.publish(event, { service: 'svc' });
  const fast = await record(bus, { durable: 'fast' });
  await fast.waitFor(5);
  let n = 0;
  const slow = await bus.consume({ durable: 'slow' }, async () => {
    n += 1;
    if (n > 2) throw new Error('stuck');
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(await bus.prune({ keepMs: 60_000 }), 0, 'keepMs keeps young messages');
  t.equal(await bus.prune(), 2, 'only what the slowest durable acknowledged');
  t.equal(await slow.pending(), 3);
  await slow.stop();
  await fast.consumer.stop();
});

t.test('rejects bad service names', async (t) => {
  const bus = createSqliteBus({ file: join(tempDir(t), 'bus.sqlite') });
  t.teardown(() => bus.close());
  await t.rejects(bus.publish(fakeEvent('s', 0), { service: 'a.b' }), TypeError);
});

t.test('a consumer woken by many publishes leaves no listener behind (no MaxListenersExceededWarning)', async (t) => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => void (warning.name === 'MaxListenersExceededWarning' && warnings.push(warning.message));
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  // A long poll interval: every wait below ends by a publish, never by its timer.
  const bus = createSqliteBus({ file: join(tempDir(t), 'bus.sqlite'), pollIntervalMs: 60_000 });
  t.teardown(() => bus.close());
  const rec = await record(bus, { durable: 'busy' });
  for (let i = 0; i < 30; i++) {
    await bus.publish(fakeEvent('s', i), { service: 'svc' });
    await rec.waitFor(i + 1);
    await new Promise((resolve) => setTimeout(resolve, 5)); // the consumer is idle again
  }
  await new Promise((resolve) => setTimeout(resolve, 10)); // warnings are emitted on a later tick
  t.equal(rec.handled.length, 30);
  t.strictSame(warnings, []);
});

t.test("a filtered consumer skips other services' messages without a write per publish, and keeps the skip at its stop", async (t) => {
  const file = join(tempDir(t), 'bus.sqlite');
  const position = (durable: string): number => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare<[string], { acked_seq: number }>('SELECT acked_seq FROM consumers WHERE name = ?').get(durable)?.acked_seq ?? -1;
    } finally {
      db.close();
    }
  };
  // a long poll interval: within it, the skip is held in memory
  const bus = createSqliteBus({ file, pollIntervalMs: 60_000 });
  t.teardown(() => bus.close());
  const mine = await record(bus, { durable: 'mine', services: ['wanted'] });
  await new Promise((resolve) => setTimeout(resolve, 20)); // its first (empty) pass wrote its position
  const start = position('mine');
  for (let i = 0; i < 10; i++) {
    await bus.publish(fakeEvent('other', i), { service: 'other' });
    await new Promise((resolve) => setTimeout(resolve, 5)); // each publish wakes it
  }
  t.equal(position('mine'), start, 'ten publishes of another service: its position not written once');
  const wanted = fakeEvent('wanted', 0);
  await bus.publish(wanted, { service: 'wanted' });
  await mine.waitFor(1);
  await new Promise((resolve) => setTimeout(resolve, 20)); // acknowledged once its handler resolved
  t.equal(position('mine'), 11, 'its own message handled and acknowledged at once');
  await bus.publish(fakeEvent('other', 10), { service: 'other' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  await mine.consumer.stop();
  t.equal(position('mine'), 12, 'the skip past the last message is written at the stop');
  t.equal(await bus.prune(), 12, 'and prune goes by it');
  t.strictSame(
    mine.handled.map((h) => h.event.id),
    [wanted.id],
  );
});
