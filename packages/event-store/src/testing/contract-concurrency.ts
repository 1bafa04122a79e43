/** The concurrency part of the contract: optimistic writers racing on one stream, or on many. */
import type { Test } from 'tap';
import { WrongExpectedRevisionError } from '../errors.js';
import { findBrokenLink } from '../hash.js';
import type { EventStore } from '../types.js';
import { events, uniquePrefix } from './helpers.js';

const WRITERS = 64;

export async function testConcurrency(t: Test, open: (t: Test) => Promise<EventStore>): Promise<void> {
  t.test(`${WRITERS} writers racing on one stream: one winner per revision`, async (t) => {
    const store = await open(t);
    const stream = `${uniquePrefix('race')}-1`;
    await store.append(stream, events(1), { expectedRevision: 'no_stream' });
    for (let round = 0; round < 3; round++) {
      // Every writer reads the head, then appends expecting what it read.
      const heads = await Promise.all(Array.from({ length: WRITERS }, () => store.streamInfo(stream)));
      const results = await Promise.allSettled(
        heads.map((head, w) => store.append(stream, events(1, `W${w}`), { expectedRevision: head?.revision ?? 'no_stream' })),
      );
      const winners = results.filter((r) => r.status === 'fulfilled');
      const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      t.equal(winners.length, 1, `round ${round}: exactly one winner`);
      t.ok(
        losers.every((e) => e instanceof WrongExpectedRevisionError),
        'the others get WrongExpectedRevision',
      );
      t.ok(
        losers.every((e) => (e as WrongExpectedRevisionError).actual === round + 1),
        'and learn the new head revision',
      );
    }
    const read = await store.readStream(stream);
    t.same(
      read.map((e) => e.revision),
      [0, 1, 2, 3],
      'no gap, no duplicate revision',
    );
    t.equal(findBrokenLink(read), undefined, 'chain intact');
  });

  t.test(`${WRITERS} writers appending to distinct streams all succeed`, async (t) => {
    const store = await open(t);
    const p = uniquePrefix('many');
    const results = await Promise.all(
      Array.from({ length: WRITERS }, (_, w) => store.append(`${p}-${w}`, events(2), { expectedRevision: 'no_stream' })),
    );
    t.ok(
      results.every((r) => r.nextRevision === 1),
      'each stream at revision 1',
    );
    const positions = results.flatMap((r) => r.events.map((e) => e.position));
    t.equal(new Set(positions).size, WRITERS * 2, 'unique positions');
    const read = await store.readAll({ streamPrefixes: [p] });
    t.equal(read.length, WRITERS * 2, 'all readable');
  });

  t.test('writers chaining on one stream without waiting all land in order', async (t) => {
    const store = await open(t);
    const stream = `${uniquePrefix('chain')}-1`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.append(stream, events(1, `E${i}`), { expectedRevision: i === 0 ? 'no_stream' : i - 1 }),
      ).map((p) =>
        p.then(
          () => 'ok',
          (e: unknown) => e,
        ),
      ),
    );
    // Adapters may serialise or batch; either way revisions stay exact and the chain unbroken.
    const read = await store.readStream(stream);
    t.same(
      read.map((e) => e.revision),
      read.map((_, i) => i),
      'contiguous revisions',
    );
    t.equal(findBrokenLink(read), undefined, 'chain intact');
    t.ok(
      results.every((r) => r === 'ok' || r instanceof WrongExpectedRevisionError),
      'only conflicts, no other error',
    );
  });
}
