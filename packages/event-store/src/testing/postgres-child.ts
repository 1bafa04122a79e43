/**
 * A separate process for the PostgreSQL adapter's multi-process tests:
 *   append <url> <stream-prefix> <count> <parallel>  append <count> single-event appends, <parallel> at a time, to streams of its own
 *   race <url> <stream> <count>                      append <count> events read-then-append on one shared stream, retrying on conflict
 * Prints one JSON line when done.
 */
import { WrongExpectedRevisionError } from '../errors.js';
import { createPostgresEventStore } from '../postgres-event-store.js';
import { newEvent } from './helpers.js';

const [command, url, ...rest] = process.argv.slice(2);
if (!url) throw new Error('usage: postgres-child <command> <url> …');
const store = createPostgresEventStore({ url, maxConnections: 4 });

if (command === 'append') {
  const [prefix = 'p', countText = '100', parallelText = '8'] = rest;
  const count = Number(countText);
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    while (next < count) {
      const n = next++;
      await store.append(`${prefix}-${w}`, [newEvent('Written', { pid: process.pid, n })]);
    }
  };
  await Promise.all(Array.from({ length: Number(parallelText) }, (_, w) => worker(w)));
  process.stdout.write(`${JSON.stringify({ appended: count })}\n`);
} else if (command === 'race') {
  const [stream = 's', countText = '50'] = rest;
  let conflicts = 0;
  for (let done = 0; done < Number(countText);) {
    const head = await store.streamInfo(stream);
    try {
      await store.append(stream, [newEvent('Raced', { pid: process.pid, done })], {
        expectedRevision: head ? head.revision : 'no_stream',
      });
      done++;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      conflicts++;
    }
  }
  process.stdout.write(`${JSON.stringify({ conflicts })}\n`);
} else {
  throw new Error(`unknown command ${command}`);
}
await store.close();
