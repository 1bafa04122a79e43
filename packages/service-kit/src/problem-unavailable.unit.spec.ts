import t from 'tap';
import { StoreUnavailableError } from '@lienthong/event-store';
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
