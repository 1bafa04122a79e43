/**
 * The planner of a PostgreSQL batch on remembered heads: which appends go in the one statement
 * (chained onto the head this process knows) and which take the locked transaction.
 */
import t from 'tap';
import { GENESIS_HASH } from './hash.js';
import { knownHeadsParameters, planKnownHeads, type BatchAppend, type KnownHead } from './postgres-append.js';
import { prepareEvent } from './sqlite-append.js';
import { events } from './testing/helpers.js';

const append = (stream: string, count: number, expected: BatchAppend['expected'] = 'any'): BatchAppend => ({
  stream,
  events: events(count).map(prepareEvent),
  expected,
});

t.test('known heads are chained in batch order; unknown, stale-looking and empty appends take the locked path', async (t) => {
  const heads = new Map<string, KnownHead>([
    ['a', { revision: 4, lastHash: 'h-a' }],
    ['c', { revision: 0, lastHash: 'h-c' }],
  ]);
  const batch = [
    append('a', 2, 4), // 0: on the known head
    append('b', 1), // 1: head unknown, any revision
    append('a', 1, 6), // 2: chained onto 0
    append('n', 1, 'no_stream'), // 3: a new stream
    append('c', 1, 3), // 4: a conflict on the known head: the locked path confirms it
    append('c', 1), // 5: same stream as 4: goes with it
    append('e', 0, 'no_stream'), // 6: empty
  ];
  const { streams, rest } = planKnownHeads(batch, (s) => heads.get(s));
  t.same(rest, [1, 4, 5, 6], 'the locked path takes these, in batch order');
  t.same(
    streams.map((s) => [s.stream, s.appends.map((a) => a.index)]),
    [
      ['a', [0, 2]],
      ['n', [3]],
    ],
  );
  const [a, n] = streams;
  t.same(a?.appends[0]?.columns.revisions, [5, 6]);
  t.same(a?.appends[1]?.columns.revisions, [7]);
  t.equal(a?.appends[0]?.columns.prevs[0], 'h-a', 'hashed onto the known head');
  t.equal(a?.appends[1]?.columns.prevs[0], a?.appends[0]?.columns.hashes[1], 'the second append onto the first');
  t.same(a?.next, { revision: 7, lastHash: a?.appends[1]?.columns.hashes[0] });
  t.same(n?.head, { revision: -1, lastHash: GENESIS_HASH }, 'a new stream starts at the genesis');

  const params = knownHeadsParameters(streams);
  t.same(params.slice(0, 6), [['a', 'n'], [4, -1], ['h-a', GENESIS_HASH], [7, 0], [a?.next.lastHash, n?.next.lastHash], GENESIS_HASH]);
  t.same(params[7], ['a', 'a', 'a', 'n'], 'one stream name per event, in batch order');
  t.same(params[8], [5, 6, 7, 0]);
});

t.test('a no_stream append on a stream this process remembers with events is left to the locked path', async (t) => {
  const { streams, rest } = planKnownHeads([append('a', 1, 'no_stream')], () => ({ revision: 0, lastHash: 'h' }));
  t.same([streams.length, rest], [0, [0]]);
});
