import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '@lienthong/testing';
import { subscriptionBatches } from './batches.js';
import { createSqliteEventStore } from './sqlite-event-store.js';
import type { NewEvent } from './types.js';

const events = (n: number, from = 0): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    type: 'Step',
    data: { n: from + i },
    metadata: { correlationId: 'c', actor: 'test', at: new Date().toISOString() },
  }));

t.test('takes what the subscription holds, in order, never waiting for more', async (t) => {
  const store = createSqliteEventStore({ file: join(tempDir(t), 'events.sqlite'), pollMs: 5_000 });
  t.teardown(() => store.close());
  await store.append('s-1', events(10));
  const subscription = store.subscribeToAll();
  const next = subscriptionBatches(subscription, 4);

  const sizes: number[] = [];
  const seen: number[] = [];
  while (seen.length < 10) {
    const batch = (await next())!;
    sizes.push(batch.length);
    seen.push(...batch.map((e) => (e.data as { n: number }).n));
  }
  t.same(sizes, [4, 4, 2], 'full batches, then the rest, without waiting for the poll');
  t.same(seen, [...Array(10).keys()], 'in position order');

  // Caught up: the next batch is the next append, whole.
  const pending = next();
  await store.append('s-2', events(3, 10));
  const live = (await pending)!;
  t.same(
    live.map((e) => (e.data as { n: number }).n),
    [10, 11, 12],
    'a live append arrives as one batch',
  );

  const ended = next();
  await subscription.close();
  t.equal(await ended, null, 'null once the subscription is closed');
  t.equal(await next(), null, 'and after');
});

t.test('refuses a batch size below 1', async (t) => {
  const store = createSqliteEventStore({ file: join(tempDir(t), 'events.sqlite') });
  t.teardown(() => store.close());
  const subscription = store.subscribeToAll();
  t.teardown(() => subscription.close());
  t.throws(() => subscriptionBatches(subscription, 0), RangeError);
});
