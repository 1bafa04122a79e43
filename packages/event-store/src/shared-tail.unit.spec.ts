import t from 'tap';
import { SharedTail, tailFilter } from './shared-tail.js';
import type { RecordedEvent } from './types.js';

/** A feed in memory; `reads` counts the reads the tail made. */
function feed() {
  const all: RecordedEvent[] = [];
  const state = { reads: 0, head: 0 };
  const append = (stream: string, type = 'T'): void => {
    state.head += 1;
    all.push({
      id: `e${state.head}`,
      stream,
      revision: 0,
      position: state.head,
      type,
      data: null,
      metadata: { correlationId: 'c', actor: 't', at: 'x' },
      prevHash: 'p',
      hash: 'h',
    });
  };
  const read = (after: number, limit: number) => {
    state.reads += 1;
    return {
      events: all
        .filter((e) => e.position > after)
        .slice(0, limit)
        .map((e) => ({ ...e })),
      head: state.head,
    };
  };
  return { all, state, append, read };
}

t.test('one read serves every subscription; each sees its own filter', async (t) => {
  const f = feed();
  const tail = new SharedTail({ read: f.read, pageSize: 10, maxEvents: 100, refreshMs: 60_000 });
  const a = {};
  const b = {};
  t.same(tail.page(a, 0, tailFilter({}), 10)?.events, [], 'empty feed');
  t.ok(tail.page(b, 0, tailFilter({ streamPrefixes: ['doc-'] }), 10));
  f.append('doc-1', 'X');
  f.append('other-1', 'Y');
  f.append('doc-2', 'Y');
  tail.invalidate();
  const readsBefore = f.state.reads;
  const pa = tail.page(a, 0, tailFilter({}), 10);
  const pb = tail.page(b, 0, tailFilter({ streamPrefixes: ['doc-'] }), 10);
  const pc = tail.page({}, 0, tailFilter({ eventTypes: ['Y'], streamPrefixes: ['doc-', 'zzz'] }), 10);
  t.equal(f.state.reads - readsBefore, 1, 'read once');
  t.same(
    pa?.events.map((e) => e.position),
    [1, 2, 3],
  );
  t.same(
    pb?.events.map((e) => e.position),
    [1, 3],
  );
  t.same(
    pc?.events.map((e) => e.position),
    [3],
  );
  t.equal(pa?.events[0], pb?.events[0], 'the same object');
  t.ok(Object.isFrozen(pa?.events[0]), 'frozen');
  t.same([pa?.scannedTo, pa?.caughtUp], [3, true]);
});

t.test('a subscription limited per page continues where it stopped', async (t) => {
  const f = feed();
  const tail = new SharedTail({ read: f.read, pageSize: 50, maxEvents: 100, refreshMs: 60_000 });
  for (let i = 0; i < 7; i++) f.append(`s-${i}`);
  const me = {};
  const seen: number[] = [];
  let after = 0;
  for (let turns = 0; turns < 10; turns++) {
    const page = tail.page(me, after, tailFilter({}), 3);
    if (!page) break;
    seen.push(...page.events.map((e) => e.position));
    after = page.scannedTo;
    if (page.caughtUp) break;
  }
  t.same(seen, [1, 2, 3, 4, 5, 6, 7]);
});

t.test('a subscription that falls out of the window is refused, then served again once caught up', async (t) => {
  const f = feed();
  const tail = new SharedTail({ read: f.read, pageSize: 5, maxEvents: 8, refreshMs: 60_000 });
  const fast = {};
  const slow = {};
  tail.page(fast, 0, tailFilter({}), 100);
  tail.page(slow, 0, tailFilter({}), 100);
  let fastAfter = 0;
  for (let i = 0; i < 30; i++) {
    f.append(`s-${i}`);
    tail.invalidate();
    const page = tail.page(fast, fastAfter, tailFilter({}), 100);
    fastAfter = page?.scannedTo ?? fastAfter;
  }
  t.equal(fastAfter, 30, 'the fast one keeps up');
  t.equal(tail.page(slow, 0, tailFilter({}), 100), null, 'the slow one is outside the window');
  // It reads its own pages (here: straight to the head), then rejoins.
  tail.track(slow, 30);
  f.append('s-late');
  tail.invalidate();
  t.same(
    tail.page(slow, 30, tailFilter({}), 100)?.events.map((e) => e.position),
    [31],
    'back on the tail',
  );
});

t.test('memory: passed events are dropped and the window never exceeds its cap', async (t) => {
  const f = feed();
  const tail = new SharedTail({ read: f.read, pageSize: 500, maxEvents: 20, refreshMs: 60_000 });
  const a = {};
  let after = 0;
  tail.page(a, 0, tailFilter({}), 100);
  for (let i = 0; i < 100; i++) f.append(`s-${i}`);
  tail.invalidate();
  const page = tail.page(a, after, tailFilter({}), 1000);
  t.equal(page, null, '100 new events overflow a window of 20: the reader must page itself');
  after = 100;
  tail.track(a, after);
  for (let i = 0; i < 5; i++) f.append(`t-${i}`);
  tail.invalidate();
  t.same(tail.page(a, after, tailFilter({}), 100)?.events.length, 5);
  const held = (tail as unknown as { events: unknown[] }).events.length;
  t.ok(held <= 20, `window holds ${held}`);
  f.append('u');
  tail.invalidate();
  tail.page(a, 105, tailFilter({}), 100);
  t.equal((tail as unknown as { events: unknown[] }).events.length, 1, 'what everyone passed is dropped');
});

t.test('a window nobody relies on moves to a new subscription instead of reading the past', async (t) => {
  const f = feed();
  for (let i = 0; i < 50; i++) f.append(`s-${i}`);
  const tail = new SharedTail({ read: f.read, pageSize: 10, maxEvents: 100, refreshMs: 60_000 });
  const page = tail.page({}, 50, tailFilter({}), 10);
  t.same([page?.events.length, page?.scannedTo, page?.caughtUp], [0, 50, true]);
  t.equal(f.state.reads, 1, 'one read, from position 50');
});
