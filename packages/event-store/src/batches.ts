/**
 * Reading a live subscription a batch at a time: whatever the subscription already holds (a page
 * read in one query, yielded through microtasks) comes out together, so a reader can write it in
 * one transaction instead of one per event. It never waits for an event that is not there yet.
 */
import { TAKE_BUFFERED, type BufferedSubscription } from './polling-subscription.js';
import type { RecordedEvent, Subscription } from './types.js';

const TURN = Symbol('turn');

/**
 * Returns `next()`: resolves with the next batch (1 to `maxSize` events, in order) once at least
 * one event is available, or with `null` when the subscription ends. A subscription error rejects
 * `next()`. The caller closes the subscription; calls to `next()` must not overlap.
 */
export function subscriptionBatches(subscription: Subscription, maxSize: number): () => Promise<RecordedEvent[] | null> {
  if (!(maxSize >= 1)) throw new RangeError('maxSize must be at least 1');
  const iterator = subscription[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
  let ended = false;
  return async () => {
    if (ended) return null;
    const first = await (pending ?? iterator.next());
    pending = undefined;
    if (first.done) {
      ended = true;
      return null;
    }
    const batch = [first.value];
    // The rest of the page a polling subscription holds, without a promise per event.
    const take = (subscription as Partial<BufferedSubscription>)[TAKE_BUFFERED];
    if (take !== undefined && batch.length < maxSize)
      for (const event of take.call(subscription, maxSize - batch.length)) batch.push(event);
    // Events already in hand arrive within this turn of the event loop; the next turn ends the batch.
    const turn = new Promise<typeof TURN>((resolve) => setImmediate(resolve, TURN));
    while (batch.length < maxSize) {
      const next = iterator.next();
      const result = await Promise.race([next, turn]);
      if (result === TURN) {
        pending = next; // still waiting for a new append: the next call picks it up
        break;
      }
      if (result.done) {
        ended = true;
        break;
      }
      batch.push(result.value);
    }
    return batch;
  };
}
