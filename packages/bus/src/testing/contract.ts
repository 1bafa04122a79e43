import type { Test } from 'tap';
import type { Bus } from '../types.js';
import { eventually } from '@lienthong/testing';
import { fakeEvent, record, uniqueName } from './events.js';

/** Makes a bus for one subtest; the suite closes it. Buses of one suite may share storage. */
export type BusFactory = (t: Test) => Promise<Bus>;

const ids = (list: ReadonlyArray<{ event: { id: string } }>): string[] => list.map((h) => h.event.id);
const idsOf = (events: ReadonlyArray<{ id: string }>): string[] => events.map((e) => e.id);

/**
 * The bus contract, run against every adapter. Each subtest uses its own service and durable
 * names, so a factory may hand out buses over one shared stream.
 */
export async function testBus(t: Test, name: string, factory: BusFactory): Promise<void> {
  await t.test(`bus contract: ${name}`, async (t) => {
    const open = async (t: Test): Promise<Bus> => {
      const bus = await factory(t);
      t.teardown(() => bus.close());
      return bus;
    };

    t.test('publishes and consumes in order', async (t) => {
      const bus = await open(t);
      const service = uniqueName('svc');
      const events = Array.from({ length: 20 }, (_, i) => fakeEvent(`doc-${service}`, i, 'Step'));
      for (const event of events) await bus.publish(event, { service });
      const rec = await record(bus, { durable: uniqueName('d'), services: [service] });
      await rec.waitFor(20);
      await rec.consumer.stop();
      t.same(ids(rec.handled), idsOf(events), 'every event, once, in publish order');
      t.same(rec.handled[0]?.event, events[0], 'payload is the recorded event');
      t.equal(rec.handled[0]?.delivery.service, service);
      t.equal(rec.handled[0]?.delivery.attempt, 1);
    });

    t.test('delivers live events published after consume started', async (t) => {
      const bus = await open(t);
      const service = uniqueName('svc');
      const rec = await record(bus, { durable: uniqueName('d'), services: [service] });
      const events = [fakeEvent('s', 0), fakeEvent('s', 1), fakeEvent('s', 2)];
      for (const event of events) await bus.publish(event, { service });
      await rec.waitFor(3);
      await rec.consumer.stop();
      t.same(ids(rec.handled), idsOf(events));
    });

    t.test('filters by service', async (t) => {
      const bus = await open(t);
      const [a, b, c] = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
      const published = [
        { e: fakeEvent('x', 0, 'A1'), s: a },
        { e: fakeEvent('y', 0, 'B1'), s: b },
        { e: fakeEvent('z', 0, 'C1'), s: c },
        { e: fakeEvent('x', 1, 'A2'), s: a },
        { e: fakeEvent('z', 1, 'C2'), s: c },
        { e: fakeEvent('y', 1, 'B2'), s: b },
      ];
      for (const { e, s } of published) await bus.publish(e, { service: s });
      const onlyA = await record(bus, { durable: uniqueName('d'), services: [a] });
      const aAndB = await record(bus, { durable: uniqueName('d'), services: [a, b] });
      await onlyA.waitFor(2);
      await aAndB.waitFor(4);
      // A later event of c then a: when a's arrives, c's must have been skipped, not delivered.
      await bus.publish(fakeEvent('z', 2, 'C3'), { service: c });
      await bus.publish(fakeEvent('x', 2, 'A3'), { service: a });
      await onlyA.waitFor(3);
      await aAndB.waitFor(5);
      await Promise.all([onlyA.consumer.stop(), aAndB.consumer.stop()]);
      t.same(
        onlyA.handled.map((h) => h.event.type),
        ['A1', 'A2', 'A3'],
      );
      t.same(
        aAndB.handled.map((h) => h.event.type),
        ['A1', 'B1', 'A2', 'B2', 'A3'],
      );
      t.same(
        aAndB.handled.map((h) => h.delivery.service),
        [a, b, a, b, a],
      );
    });

    t.test('dedupes by event id', async (t) => {
      const bus = await open(t);
      const service = uniqueName('svc');
      const once = fakeEvent('s', 0);
      const last = fakeEvent('s', 1);
      await bus.publish(once, { service });
      await bus.publish(once, { service });
      await bus.publish(last, { service });
      await bus.publish(once, { service });
      const rec = await record(bus, { durable: uniqueName('d'), services: [service] });
      await rec.waitFor(2);
      await new Promise((resolve) => setTimeout(resolve, 300)); // room for a wrong extra delivery
      await rec.consumer.stop();
      t.same(ids(rec.handled), [once.id, last.id], 'the repeated id is handled once');
    });

    t.test('publishes a batch in order; a batch published again is deduped', async (t) => {
      const bus = await open(t);
      const service = uniqueName('svc');
      const rec = await record(bus, { durable: uniqueName('d'), services: [service] });
      const first = Array.from({ length: 30 }, (_, i) => fakeEvent('s', i));
      const second = Array.from({ length: 5 }, (_, i) => fakeEvent('s', 30 + i));
      await bus.publishBatch(first, { service });
      await bus.publishBatch([...first.slice(25), ...second], { service }); // a retried overlap
      await bus.publishBatch([], { service });
      await rec.waitFor(35);
      await new Promise((resolve) => setTimeout(resolve, 300)); // room for a wrong extra delivery
      await rec.consumer.stop();
      t.same(ids(rec.handled), idsOf([...first, ...second]), 'each once, in batch order');
    });

    t.test('a durable resumes after the last acknowledged event', async (t) => {
      const bus = await open(t);
      const service = uniqueName('svc');
      const durable = uniqueName('d');
      const events = Array.from({ length: 10 }, (_, i) => fakeEvent('s', i));
      for (const event of events) await bus.publish(event, { service });
      const first = await record(bus, { durable, services: [service] });
      await first.waitFor(4);
      await first.consumer.stop();
      const seen = ids(first.handled);
      t.ok(seen.length >= 4 && seen.length < 10, `stopped mid-stream after ${seen.length}`);
      t.same(seen, idsOf(events).slice(0, seen.length), 'first run in order');
      const second = await record(bus, { durable, services: [service] });
      await eventually(() => second.handled.at(-1)?.event.id === events[9]?.id, 10_000, 'the last event');
      await second.consumer.stop();
      const again = ids(second.handled);
      const overlap = again.filter((id) => seen.includes(id));
      t.ok(overlap.length <= 1, `at most the un-acked one redelivered (got ${overlap.length})`);
      t.same([...new Set([...seen, ...again])], idsOf(events), 'nothing lost, in order');
      t.equal(await second.consumer.pending(), 0);
    });

    t.test('a failed handler gets the same event again later, order kept', async (t) => {
      const bus = await open(t);
      const service = uniqueName('svc');
      const events = Array.from({ length: 5 }, (_, i) => fakeEvent('s', i));
      const victim = events[1]?.id;
      const attempts: string[] = [];
      let failures = 0;
      const rec = await record(bus, { durable: uniqueName('d'), services: [service], retryDelayMs: 100 }, (event) => {
        attempts.push(event.id);
        if (event.id === victim && failures < 2) {
          failures += 1;
          return true;
        }
        return false;
      });
      for (const event of events) await bus.publish(event, { service });
      await rec.waitFor(5);
      await rec.consumer.stop();
      t.same(ids(rec.handled), idsOf(events), 'handled in publish order despite failures');
      t.equal(rec.handled[1]?.delivery.attempt, 3, 'third attempt succeeded');
      t.same(attempts.slice(0, 4), [events[0]?.id, victim, victim, victim], 'nothing later meanwhile');
    });

    t.test('two durables each get everything', async (t) => {
      const bus = await open(t);
      const service = uniqueName('svc');
      const events = Array.from({ length: 6 }, (_, i) => fakeEvent('s', i));
      const one = await record(bus, { durable: uniqueName('one'), services: [service] });
      const two = await record(bus, { durable: uniqueName('two'), services: [service] });
      for (const event of events) await bus.publish(event, { service });
      await Promise.all([one.waitFor(6), two.waitFor(6)]);
      await Promise.all([one.consumer.stop(), two.consumer.stop()]);
      t.same(ids(one.handled), idsOf(events));
      t.same(ids(two.handled), idsOf(events));
    });

    t.test('pending() counts what is not yet acknowledged', async (t) => {
      const bus = await open(t);
      const service = uniqueName('svc');
      const durable = uniqueName('d');
      const events = Array.from({ length: 5 }, (_, i) => fakeEvent('s', i));
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      const consumer = await bus.consume({ durable, services: [service] }, async () => {
        calls += 1;
        if (calls === 3) await gate; // hold the third delivery un-acknowledged
      });
      for (const event of events) await bus.publish(event, { service });
      await eventually(() => calls === 3, 10_000, 'third delivery');
      await eventually(async () => (await consumer.pending()) === 3, 5_000, 'pending = 3');
      t.equal(await consumer.pending(), 3, 'the held one and the two after it');
      release();
      await eventually(async () => (await consumer.pending()) === 0, 5_000, 'pending = 0');
      t.equal(calls, 5);
      await consumer.stop();
      await bus.publish(fakeEvent('s', 5), { service });
      const resumed = await bus.consume({ durable, services: [service] }, async () => {
        throw new Error('keep it pending');
      });
      await eventually(async () => (await resumed.pending()) === 1, 5_000, 'pending = 1 after a new publish');
      t.equal(await resumed.pending(), 1);
      await resumed.stop();
    });

    t.test('ping, then close', async (t) => {
      const bus = await factory(t);
      await t.resolves(bus.ping(), 'reachable');
      await bus.close();
      await t.rejects(bus.ping(), { name: 'BusUnavailableError' }, 'closed bus is unavailable');
      await t.rejects(bus.publish(fakeEvent('s', 0), { service: 'svc' }), { name: 'BusUnavailableError' });
    });
  });
}
