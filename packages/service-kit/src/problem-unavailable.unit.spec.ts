import t from 'tap';
import { StoreUnavailableError, WrongExpectedRevisionError } from '@lienthong/event-store';
import { BusUnavailableError } from '@lienthong/bus';
import { BlobStoreUnavailableError } from '@lienthong/blob-store';
import { toAppError } from './problem.js';

t.test('an unreachable event store, bus or blob store is 503 LT_UNAVAILABLE, with its message', async (t) => {
  for (const error of [
    new StoreUnavailableError('event store: connection refused'),
    new BusUnavailableError('publish of e1 not acknowledged'),
    new BlobStoreUnavailableError('blob store: put failed: timeout'),
  ]) {
    const app = toAppError(error);
    t.equal(app.status, 503, error.name);
    t.equal(app.code, 'LT_UNAVAILABLE', error.name);
    t.equal(app.message, error.message, `${error.name} says what is unavailable`);
  }
});

t.test("a new adapter's error is a 503 by its marker alone: the kit knows no adapter class", async (t) => {
  class QueueUnavailableError extends Error {
    readonly unavailable = true;
  }
  const app = toAppError(new QueueUnavailableError('queue: broker gone'));
  t.equal(app.status, 503);
  t.equal(app.code, 'LT_UNAVAILABLE');
  t.equal(app.message, 'queue: broker gone');
  t.equal(toAppError(Object.assign(new Error('x'), { unavailable: 'yes' })).status, 500, 'only `unavailable: true` is the marker');
});

t.test('a revision conflict is 409 LT_CONCURRENT_UPDATE naming the stream, by its code', async (t) => {
  const app = toAppError(new WrongExpectedRevisionError('dossier-X', 3, 4));
  t.equal(app.code, 'LT_CONCURRENT_UPDATE');
  t.equal(app.message, 'dossier-X was changed concurrently; retry');
  t.equal(
    toAppError(Object.assign(new Error('moved'), { code: 'LT_WRONG_EXPECTED_REVISION', stream: 'doc-1' })).message,
    'doc-1 was changed concurrently; retry',
  );
});
