/**
 * The shared tail takes this instance's own commits from memory (sqlite-appended.ts): a live
 * subscription still sees every position once, in order, when another connection appends to the
 * same file between them, and when an append in the same batch is undone (duplicate id).
 */
import { join } from 'node:path';
import { tempDir } from '@lienthong/testing';
import t from 'tap';
import { DuplicateEventIdError } from './errors.js';
import { createSqliteEventStore } from './sqlite-event-store.js';
import { collector, newEvent } from './testing/helpers.js';

for (const sync of ['full', 'normal'] as const) {
  t.test(`sync ${sync}: appends of two connections interleaved, one undone, seen whole by a live subscription`, async (t) => {
    const file = join(tempDir(t), 'events.sqlite');
    const a = createSqliteEventStore({ file, sync, pollMs: 20 });
    const b = createSqliteEventStore({ file, sync, pollMs: 20 });
    t.teardown(async () => {
      await a.close();
      await b.close();
    });
    const seen = collector(a.subscribeToAll());
    const appends: Array<Promise<unknown>> = [];
    let expected = 0;
    for (let round = 0; round < 40; round++) {
      // Same tick: one batch of A with B's commits landing between A's.
      appends.push(a.append(`a-${round}`, [newEvent('A', { round }), newEvent('A', { round, second: true })]));
      appends.push(b.append(`b-${round}`, [newEvent('B', { round, text: 'Nội dung' })]));
      appends.push(a.append(`c-${round}`, [newEvent('C', { round })]));
      expected += 4;
      if (round % 10 === 0) {
        const id = `dup-${round}`;
        await a.append(`d-${round}`, [newEvent('D', { round }, { id })]);
        expected += 1;
        appends.push(
          a.append(`d2-${round}`, [newEvent('D', { round }), newEvent('D', { round }, { id })]).then(
            () => t.fail('a duplicate id is refused'),
            (error: unknown) => t.ok(error instanceof DuplicateEventIdError, 'undone in its batch'),
          ),
        );
        appends.push(a.append(`e-${round}`, [newEvent('E', { round })]));
        expected += 1;
      }
      if (round % 3 === 0) await Promise.all(appends.splice(0));
    }
    await Promise.all(appends);
    await seen.waitFor(expected);
    const stored = await b.readAll();
    t.equal(stored.length, expected, 'every append that succeeded is stored');
    t.same(
      seen.seen.map((e) => [e.position, e.id, e.hash]),
      stored.map((e) => [e.position, e.id, e.hash]),
      'the subscription saw exactly the stored events, in position order, none skipped or repeated',
    );
    t.same(
      seen.seen.map((e) => e.data),
      stored.map((e) => e.data),
      'with the data as read back from the file',
    );
    t.ok(
      seen.seen.every((e) => Object.isFrozen(e)),
      'frozen like those read from the file',
    );
  });
}
