/**
 * A separate process for the SQLite adapter's multi-process tests:
 *   append <file> <sync> <stream> <id>   append one event, print `appended <id>`, then wait to be killed
 *   race <file> <stream> <count>         append <count> events read-then-append, retrying on conflict
 */
import { WrongExpectedRevisionError } from '../errors.js';
import { createSqliteEventStore } from '../sqlite-event-store.js';
import { newEvent } from './helpers.js';

const [command, file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: sqlite-child <command> <file> …');

if (command === 'append') {
  const [sync, stream, id] = rest;
  const store = createSqliteEventStore({ file, sync: sync === 'normal' ? 'normal' : 'full' });
  await store.append(stream ?? 's', [newEvent('Durable', { pid: process.pid }, { id: id ?? 'x' })]);
  process.stdout.write(`appended ${id}\n`);
  // Stay alive, store open, until the parent kills us (bounded in case it never does).
  setTimeout(() => process.exit(3), 20_000);
} else if (command === 'race') {
  const [stream = 's', countText = '50'] = rest;
  const store = createSqliteEventStore({ file });
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
  await store.close();
  process.stdout.write(`${JSON.stringify({ conflicts })}\n`);
} else {
  throw new Error(`unknown command ${command}`);
}
