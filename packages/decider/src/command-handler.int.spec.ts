import t from 'tap';
import type { Test } from 'tap';
import { openEventStore, type EventStore, type RecordedEvent } from '@lienthong/event-store';
import { handleCommand } from './command-handler.js';
import type { Decider } from './decider.js';

/** A counter that refuses to go past 3: enough to see what state a decision was made on. */
type Added = { type: 'Added'; data: { total: number } };
type Add = { type: 'Add'; data: null };
const counter: Decider<number, Add, Added> = {
  initialState: () => 0,
  decide: (_command, total) => {
    if (total >= 3) throw new Error('full');
    return [{ type: 'Added', data: { total: total + 1 } }];
  },
  evolve: (_total, event) => event.data.total,
};
const ctx = { correlationId: 'c-1', actor: 'test' };
const add: Add = { type: 'Add', data: null };

/** The real SQLite store, its stream reads counted. */
async function countingStore(t: Test): Promise<{ store: EventStore; reads: () => number }> {
  const store = await openEventStore({ dataDir: t.testdir(), sync: 'normal' });
  t.teardown(() => store.close());
  let reads = 0;
  const readStream = store.readStream.bind(store);
  store.readStream = (stream: string, options?: Parameters<EventStore['readStream']>[1]): Promise<RecordedEvent[]> => {
    reads++;
    return readStream(stream, options);
  };
  return { store, reads: () => reads };
}

t.test('reads the stream, decides on it and appends at the revision read', async (t) => {
  const { store, reads } = await countingStore(t);
  const first = await handleCommand(store, counter, 'counter-a', add, ctx);
  const second = await handleCommand(store, counter, 'counter-a', add, ctx);
  t.same([first.state, first.revision, second.state, second.revision], [1, 0, 2, 1]);
  t.equal(reads(), 2);
  t.same(second.appended[0]?.metadata.correlationId, 'c-1');
});

t.test('with the state in hand: no read, and the same outcome', async (t) => {
  const { store, reads } = await countingStore(t);
  const first = await handleCommand(store, counter, 'counter-b', add, ctx, { known: { state: 0, revision: -1 } });
  const second = await handleCommand(store, counter, 'counter-b', add, ctx, { known: { state: first.state, revision: first.revision } });
  t.equal(reads(), 0, 'decided on the state given');
  t.same([second.state, second.revision], [2, 1]);
  t.same(
    (await store.readStream('counter-b')).map((e) => e.data),
    [{ total: 1 }, { total: 2 }],
  );
});

t.test('a stale state in hand: the append fails, the stream is read and the command decided again on it', async (t) => {
  const { store, reads } = await countingStore(t);
  await handleCommand(store, counter, 'counter-c', add, ctx);
  await handleCommand(store, counter, 'counter-c', add, ctx); // another writer moved the stream to 2
  const before = reads();
  // the caller believes the stream is new: its first append must not land
  const result = await handleCommand(store, counter, 'counter-c', add, ctx, { known: { state: 0, revision: -1 }, retries: 0 });
  t.equal(reads() - before, 1, 'read once after the stale try, and that cost no retry');
  t.same([result.state, result.revision], [3, 2]);
  t.same(
    (await store.readStream('counter-c')).map((e) => e.data),
    [{ total: 1 }, { total: 2 }, { total: 3 }],
    'nothing appended from the stale state',
  );
  // decided on the stream as read: the counter is full now, whatever the caller holds
  await t.rejects(handleCommand(store, counter, 'counter-c', add, ctx, { known: { state: 1, revision: 0 } }), /full/);
  t.equal((await store.readStream('counter-c')).length, 3);
});

t.test('no events decided: nothing appended, the state and revision as they were', async (t) => {
  const { store } = await countingStore(t);
  const idle: Decider<number, Add, Added> = { ...counter, decide: () => [] };
  const result = await handleCommand(store, idle, 'counter-d', add, ctx, { known: { state: 7, revision: 4 } });
  t.same([result.state, result.revision, result.appended.length], [7, 4, 0]);
  t.same(await store.readStream('counter-d'), []);
});
