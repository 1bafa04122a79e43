/**
 * The event store contract, run against every adapter (SQLite, EventStoreDB). Each subtest
 * opens its own store from the factory and uses stream names no other test uses, so an adapter
 * over a shared server (EventStoreDB keeps everything) passes as well as a fresh file.
 */
import type { Test } from 'tap';
import { StoreUnavailableError, WrongExpectedRevisionError } from '../errors.js';
import { GENESIS_HASH, findBrokenLink, hashEvent } from '../hash.js';
import type { EventStore, ExpectedRevision } from '../types.js';
import { collector, events, metadata, newEvent, revisionsOf, uniquePrefix, within } from './helpers.js';
import { testConcurrency } from './contract-concurrency.js';

export interface EventStoreFixture {
  readonly store: EventStore;
  /** Closes the store (if still open) and removes what the factory made. */
  cleanup(): Promise<void>;
}

export type EventStoreFactory = () => Promise<EventStoreFixture>;

export async function testEventStore(t: Test, name: string, factory: EventStoreFactory): Promise<void> {
  const open = async (t: Test): Promise<EventStore> => {
    const fixture = await factory();
    t.teardown(() => fixture.cleanup());
    return fixture.store;
  };

  await t.test(`event store contract: ${name}`, async (t) => {
    t.test('appends and reads a stream forward, backward, from a revision, by count', async (t) => {
      const store = await open(t);
      const stream = `${uniquePrefix('read')}-1`;
      t.same(await store.readStream(stream), [], 'a missing stream reads as empty');
      const first = await store.append(stream, events(3));
      const second = await store.append(stream, events(2));
      t.equal(first.nextRevision, 2);
      t.equal(second.nextRevision, 4);
      t.same(
        second.events.map((e) => e.revision),
        [3, 4],
        'append returns the recorded events',
      );
      t.equal(second.position, second.events.at(-1)?.position);

      const all = await store.readStream(stream);
      t.same(
        all.map((e) => e.revision),
        [0, 1, 2, 3, 4],
      );
      t.same(
        all.map((e) => (e.data as { i: number }).i),
        [0, 1, 2, 0, 1],
        'data round trips in order',
      );
      t.same(
        all.slice(3).map((e) => e.id),
        second.events.map((e) => e.id),
        'ids as returned by append',
      );
      t.same(
        (await store.readStream(stream, { fromRevision: 2, maxCount: 2 })).map((e) => e.revision),
        [2, 3],
      );
      t.same(
        (await store.readStream(stream, { direction: 'backward' })).map((e) => e.revision),
        [4, 3, 2, 1, 0],
      );
      t.same(
        (await store.readStream(stream, { direction: 'backward', fromRevision: 3, maxCount: 2 })).map((e) => e.revision),
        [3, 2],
      );
      t.same(await store.readStream(stream, { fromRevision: 9 }), [], 'past the head is empty');
    });

    t.test('enforces every expected revision case and reports the actual revision', async (t) => {
      const store = await open(t);
      const stream = `${uniquePrefix('exp')}-1`;
      const conflict = async (expected: ExpectedRevision, actual: number, on = stream): Promise<void> => {
        const error = await store.append(on, events(1), { expectedRevision: expected }).then(
          () => undefined,
          (e: unknown) => e,
        );
        t.type(error, WrongExpectedRevisionError, `expected ${String(expected)} at ${actual} conflicts`);
        const wrong = error as WrongExpectedRevisionError;
        t.equal(wrong.actual, actual, 'actual revision carried');
        t.equal(wrong.expected, expected);
        t.equal(wrong.stream, on);
      };
      await conflict('stream_exists', -1);
      await conflict(0, -1);
      t.equal((await store.append(stream, events(2), { expectedRevision: 'no_stream' })).nextRevision, 1);
      await conflict('no_stream', 1);
      await conflict(0, 1);
      await conflict(2, 1);
      t.equal((await store.append(stream, events(1), { expectedRevision: 1 })).nextRevision, 2);
      t.equal((await store.append(stream, events(1), { expectedRevision: 'stream_exists' })).nextRevision, 3);
      t.equal((await store.append(stream, events(1), { expectedRevision: 'any' })).nextRevision, 4);
      t.equal((await store.append(stream, events(1))).nextRevision, 5, 'any is the default');
      t.equal((await store.append(`${stream}-b`, events(1), { expectedRevision: 'any' })).nextRevision, 0);
      t.same(await revisionsOf(store, stream), [0, 1, 2, 3, 4, 5], 'failed appends wrote nothing');
      await t.rejects(store.append(stream, events(1), { expectedRevision: -3 }), TypeError, 'nonsense is refused');
    });

    t.test('positions are global and grow; headPosition is the newest', async (t) => {
      const store = await open(t);
      const p = uniquePrefix('pos');
      const a = await store.append(`${p}-a`, events(2));
      const b = await store.append(`${p}-b`, events(1));
      const c = await store.append(`${p}-a`, events(1));
      const positions = [...a.events, ...b.events, ...c.events].map((e) => e.position);
      t.ok(
        positions.every((pos, i) => i === 0 || pos > (positions[i - 1] ?? 0)),
        `growing: ${positions.join(',')}`,
      );
      t.ok((positions[0] ?? 0) >= 1, 'positions start at 1');
      t.equal(await store.headPosition(), c.position);
      const read = await store.readStream(`${p}-a`);
      t.same(
        read.map((e) => e.position),
        [...a.events, ...c.events].map((e) => e.position),
        'read positions match',
      );
    });

    t.test('metadata and data round trip; the hash chain holds', async (t) => {
      const store = await open(t);
      const stream = `${uniquePrefix('chain')}-1`;
      const meta = metadata({ causationId: 'cmd-1', extra: { nested: ['Hà Nội', 1.5, true, null] } });
      const data = { tên: 'Nguyễn Thị Bình', list: [3, 2, 1], deep: { z: 1, a: { b: 'c' } }, empty: {} };
      const id = '3f0c2a7e-0e3b-4d8e-9a51-6b1f2c3d4e5f';
      await store.append(stream, [{ id, type: 'Typed', data, metadata: meta }]);
      await store.append(stream, [newEvent('Second', ['array', 'data']), newEvent('Third', 'plain string')]);
      const read = await store.readStream(stream);
      const [e0, e1, e2] = read;
      t.equal(e0?.id, id, 'a given id is kept');
      t.equal(e0?.type, 'Typed');
      t.same(e0?.data, data);
      t.same(e0?.metadata, meta);
      t.same(e1?.data, ['array', 'data']);
      t.equal(e2?.data, 'plain string');
      t.equal(e0?.prevHash, GENESIS_HASH, 'revision 0 chains to the genesis hash');
      t.equal(e1?.prevHash, e0?.hash);
      t.equal(e2?.prevHash, e1?.hash);
      t.equal(findBrokenLink(read), undefined, 'no broken link');
      if (e0) t.equal(e0.hash, hashEvent(e0, GENESIS_HASH), 'hash recomputes');
      if (e1) t.not(findBrokenLink([e0, { ...e1, data: 'tampered' }].filter((e) => e !== undefined)), undefined, 'tampering shows');
    });

    t.test('readAll filters by prefix and type and pages with after/maxCount', async (t) => {
      const store = await open(t);
      const p = uniquePrefix('all');
      const start = await store.headPosition();
      await store.append(`${p}-x-1`, [newEvent('A'), newEvent('B')]);
      await store.append(`${p}-y-1`, [newEvent('A')]);
      await store.append(`${p}-x-2`, [newEvent('C')]);
      const mine = { after: start, streamPrefixes: [p] };
      const all = await store.readAll(mine);
      t.same(
        all.map((e) => `${e.stream.slice(p.length)}:${e.type}`),
        ['-x-1:A', '-x-1:B', '-y-1:A', '-x-2:C'],
      );
      t.ok(
        all.every((e, i) => i === 0 || e.position > (all[i - 1]?.position ?? 0)),
        'by position',
      );
      t.same(
        (await store.readAll({ ...mine, streamPrefixes: [`${p}-x`] })).map((e) => e.type),
        ['A', 'B', 'C'],
      );
      t.same(
        (await store.readAll({ after: start, streamPrefixes: [`${p}-y`, `${p}-x-2`] })).map((e) => e.type),
        ['A', 'C'],
        'several prefixes',
      );
      t.same(
        (await store.readAll({ ...mine, eventTypes: ['A', 'C'] })).map((e) => e.stream.slice(p.length)),
        ['-x-1', '-y-1', '-x-2'],
      );
      t.same((await store.readAll({ ...mine, streamPrefixes: [`${p}-x`], eventTypes: ['A'] })).length, 1, 'both filters');
      const page1 = await store.readAll({ ...mine, maxCount: 3 });
      const page2 = await store.readAll({ ...mine, after: page1.at(-1)?.position ?? 0, maxCount: 3 });
      t.equal(page1.length, 3);
      t.same(
        [...page1, ...page2].map((e) => e.id),
        all.map((e) => e.id),
        'pages join up',
      );
      t.same(await store.readAll({ ...mine, after: all.at(-1)?.position ?? 0 }), [], 'after the last: nothing');
      t.same(await store.readAll({ after: start, streamPrefixes: [`${p}-none`] }), []);
    });

    t.test('subscribeToAll catches up, goes live, and ends on close', async (t) => {
      const store = await open(t);
      const p = uniquePrefix('sub');
      const start = await store.headPosition();
      await store.append(`${p}-1`, events(3, 'Early'));
      await store.append(`${uniquePrefix('other')}-1`, events(1, 'Elsewhere'));
      const subscription = store.subscribeToAll({ after: start, streamPrefixes: [p] });
      const got = collector(subscription);
      await got.waitFor(3);
      t.same(
        got.seen.map((e) => e.type),
        ['Early', 'Early', 'Early'],
        'catch-up, filtered',
      );
      await store.append(`${p}-2`, events(2, 'Live'));
      await got.waitFor(5);
      t.same(
        got.seen.slice(3).map((e) => e.type),
        ['Live', 'Live'],
        'live events arrive',
      );
      t.same(
        got.seen.map((e) => e.revision),
        [0, 1, 2, 0, 1],
      );
      const typed = collector(store.subscribeToAll({ after: start, eventTypes: ['Live'] }));
      await typed.waitFor(2);
      t.ok(
        typed.seen.every((e) => e.type === 'Live'),
        'type filter',
      );
      await subscription.close();
      await within(5000, 'iteration ends after close', got.ended);
      t.equal(got.seen.length, 5, 'nothing after close');
    });

    t.test('streamInfo, listStreams with prefix and paging', async (t) => {
      const store = await open(t);
      const p = uniquePrefix('list');
      t.equal(await store.streamInfo(`${p}-missing`), null);
      for (const s of ['c', 'a', 'b', 'd']) await store.append(`${p}/${s}`, events(s === 'b' ? 3 : 1));
      await store.append(`${p}x/other`, events(1));
      const info = await store.streamInfo(`${p}/b`);
      t.equal(info?.revision, 2);
      t.equal(info?.stream, `${p}/b`);
      const last = (await store.readStream(`${p}/b`)).at(-1);
      t.equal(info?.position, last?.position);
      t.equal(info?.lastHash, last?.hash);
      t.ok(info && !Number.isNaN(Date.parse(info.createdAt)) && info.updatedAt >= info.createdAt, 'timestamps');
      const page1 = await store.listStreams({ prefix: `${p}/`, limit: 2 });
      t.same(
        page1.map((s) => s.stream),
        [`${p}/a`, `${p}/b`],
      );
      const page2 = await store.listStreams({ prefix: `${p}/`, after: page1.at(-1)?.stream ?? '', limit: 2 });
      t.same(
        page2.map((s) => s.stream),
        [`${p}/c`, `${p}/d`],
      );
      t.same(await store.listStreams({ prefix: `${p}/`, after: `${p}/d` }), []);
      t.equal((await store.listStreams({ prefix: p })).length, 5, 'prefix without separator');
    });

    t.test('stream metadata round trips', async (t) => {
      const store = await open(t);
      const stream = `${uniquePrefix('meta')}-1`;
      t.equal(await store.getStreamMetadata(stream), null);
      await store.setStreamMetadata(stream, { owner: 'H40', retention: { years: 10 } });
      t.same(await store.getStreamMetadata(stream), { owner: 'H40', retention: { years: 10 } });
      t.equal(await store.streamInfo(stream), null, 'metadata alone does not make an event stream');
      await store.append(stream, events(1), { expectedRevision: 'no_stream' });
      await store.setStreamMetadata(stream, { owner: 'H41' });
      t.same(await store.getStreamMetadata(stream), { owner: 'H41' }, 'replaced');
      t.equal((await store.streamInfo(stream))?.revision, 0);
    });

    await testConcurrency(t, open);

    t.test('a closed store is unavailable', async (t) => {
      const store = await open(t);
      const stream = `${uniquePrefix('closed')}-1`;
      await store.append(stream, events(1));
      await store.ping();
      await store.close();
      await store.close();
      await t.rejects(store.ping(), StoreUnavailableError);
      await t.rejects(store.append(stream, events(1)), StoreUnavailableError);
      await t.rejects(store.readStream(stream), StoreUnavailableError);
      await t.rejects(store.readAll(), StoreUnavailableError);
      await t.rejects(store.streamInfo(stream), StoreUnavailableError);
      await t.rejects(store.headPosition(), StoreUnavailableError);
      await t.rejects(store.getStreamMetadata(stream), StoreUnavailableError);
    });
  });
}
