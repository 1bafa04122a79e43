import t from 'tap';
import type { Test } from 'tap';
import { join } from 'node:path';
import { createSqliteEventStore, type EventStore, type RecordedEvent } from '@lienthong/event-store';
import { eventually, tempDir } from '@lienthong/testing';
import { startSubscriptionLoop, type LoopCheckpoint, type LoopLogger, type SubscriptionLoopOptions } from './subscription-loop.js';

const meta = { correlationId: 'c', actor: 'test', at: '2026-01-01T00:00:00.000Z' };

function openStore(t: Test): EventStore {
  const store = createSqliteEventStore({ file: join(tempDir(t, 'lt-loop-'), 'events.sqlite'), pollMs: 50 });
  t.teardown(() => store.close());
  return store;
}

async function append(store: EventStore, stream: string, count: number): Promise<number[]> {
  const result = await store.append(
    stream,
    Array.from({ length: count }, (_, n) => ({ type: 'Step', data: { n }, metadata: meta })),
  );
  return result.events.map((e) => e.position);
}

/** A checkpoint in memory that records its saves. */
interface MemoryCheckpoint {
  position: number;
  readonly saves: number[];
  load(this: void): number;
  save(this: void, position: number): void;
}

function memoryCheckpoint(start = 0): MemoryCheckpoint {
  const checkpoint: MemoryCheckpoint = {
    position: start,
    saves: [] as number[],
    load: () => checkpoint.position,
    save: (position: number) => {
      checkpoint.saves.push(position);
      checkpoint.position = Math.max(checkpoint.position, position);
    },
  };
  return checkpoint;
}

function recordingLogger(): LoopLogger & { lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> } {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const at =
    (level: string) =>
    (fields: object, message = ''): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, message });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

const base = (store: EventStore, more: Partial<SubscriptionLoopOptions> & Pick<SubscriptionLoopOptions, 'checkpoint' | 'handle'>) => ({
  name: 'test loop',
  store,
  streamPrefixes: ['doc-'],
  maxBackoffMs: 50,
  ...more,
});

t.test('hands over the followed streams in position order, in batches, and resumes after the checkpoint', async (t) => {
  const store = openStore(t);
  const first = await append(store, 'doc-1', 3);
  await append(store, 'other-1', 2); // not followed
  const second = await append(store, 'doc-2', 2);
  const checkpoint = memoryCheckpoint();
  const batches: number[][] = [];
  let loop = await startSubscriptionLoop(base(store, { checkpoint, handle: (events) => void batches.push(events.map((e) => e.position)) }));
  await eventually(() => loop.checkpoint() === second.at(-1), 5_000, 'caught up');
  t.same(batches.flat(), [...first, ...second], 'only doc- events, each once, in order');
  t.equal(batches.length, checkpoint.saves.length, 'one checkpoint per batch');
  t.equal(checkpoint.saves.at(-1), second.at(-1), 'the checkpoint is the last position handled');
  t.equal(await loop.lag(), 0, 'no lag once caught up');
  await loop.stop();

  const later = await append(store, 'doc-1', 2);
  t.ok((await loop.lag()) >= 2, 'a stopped loop counts what it has not handled');
  batches.length = 0;
  loop = await startSubscriptionLoop(base(store, { checkpoint, handle: (events) => void batches.push(events.map((e) => e.position)) }));
  await eventually(() => loop.checkpoint() === later.at(-1), 5_000, 'resumed');
  await loop.stop();
  t.same(batches.flat(), later, 'resumed after the checkpoint: nothing repeated');
});

t.test('the checkpoint is saved only once the batch is handled', async (t) => {
  const store = openStore(t);
  const [position] = await append(store, 'doc-1', 1);
  const checkpoint = memoryCheckpoint();
  let release!: () => void;
  const handling = new Promise<void>((resolve) => (release = resolve));
  let handed = false;
  const loop = await startSubscriptionLoop(
    base(store, {
      checkpoint,
      handle: async () => {
        handed = true;
        await handling;
      },
    }),
  );
  await eventually(() => handed, 5_000, 'batch handed over');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.same(checkpoint.saves, [], 'nothing saved while the handler works');
  t.equal(loop.checkpoint(), 0);
  release();
  await eventually(() => checkpoint.saves.length === 1, 5_000, 'saved');
  t.same(checkpoint.saves, [position]);
  await loop.stop();
});

t.test('a failing handler is logged and handed the same batch again, never skipped', async (t) => {
  const store = openStore(t);
  const positions = await append(store, 'doc-1', 3);
  const checkpoint = memoryCheckpoint();
  const logger = recordingLogger();
  let refusals = 0;
  const handled: number[] = [];
  const loop = await startSubscriptionLoop(
    base(store, {
      checkpoint,
      logger,
      maxBatch: 1,
      handle: ([event]) => {
        if (event!.position === positions[1] && refusals < 3) {
          refusals += 1;
          throw new Error('boom');
        }
        handled.push(event!.position);
      },
    }),
  );
  await eventually(() => loop.checkpoint() === positions[2], 5_000, 'caught up');
  await loop.stop();
  t.equal(refusals, 3, 'the failures were met');
  t.same(handled, positions, 'each event handled once, in order, after the retries');
  t.same(checkpoint.saves, positions, 'no checkpoint for the failing batch until it succeeded');
  const errors = logger.lines.filter((l) => l.level === 'error');
  t.equal(errors.length, 3, 'every failure reported');
  t.equal((errors[0]!.fields.err as Error).message, 'boom', 'with the error itself');
  t.equal(errors[0]!.fields.position, positions[1]);
  t.match(errors[0]!.message, /^test loop: /, 'named after the loop');
  t.ok(
    logger.lines.some((l) => l.level === 'info' && /recovered/.test(l.message)),
    'the recovery is logged',
  );
  t.equal(loop.lastError(), 'boom', 'the last failure stays visible');
});

t.test('an expected outage is a warning with its reason, not a stack', async (t) => {
  const store = openStore(t);
  await append(store, 'doc-1', 1);
  const logger = recordingLogger();
  let fail = true;
  const loop = await startSubscriptionLoop(
    base(store, {
      checkpoint: memoryCheckpoint(),
      logger,
      reasonOf: (error) => ((error as Error).message === 'down' ? 'the bus is down' : undefined),
      handle: () => {
        if (fail) throw new Error('down');
      },
    }),
  );
  await eventually(() => logger.lines.length > 0, 5_000, 'a failure logged');
  fail = false;
  await eventually(() => loop.checkpoint() > 0, 5_000, 'recovered');
  await loop.stop();
  const [line] = logger.lines;
  t.equal(line!.level, 'warn');
  t.equal(line!.fields.reason, 'the bus is down');
  t.notOk('err' in line!.fields, 'no stack for an expected outage');
});

t.test('a failing checkpoint save is retried without handling the batch again', async (t) => {
  const store = openStore(t);
  const [position] = await append(store, 'doc-1', 1);
  const inner = memoryCheckpoint();
  let refusals = 0;
  const checkpoint: LoopCheckpoint = {
    load: inner.load,
    save: (p) => {
      if (refusals++ < 2) throw new Error('disk full');
      inner.save(p);
    },
  };
  let handled = 0;
  const loop = await startSubscriptionLoop(base(store, { checkpoint, handle: () => void handled++ }));
  await eventually(() => inner.saves.length === 1, 5_000, 'saved at last');
  await loop.stop();
  t.equal(handled, 1, 'handled once');
  t.same(inner.saves, [position]);
  t.equal(loop.lastError(), 'disk full');
});

t.test('a failing subscription is reported and resumed from the checkpoint', async (t) => {
  const real = openStore(t);
  const positions = await append(real, 'doc-1', 4);
  let broken = 0;
  const subscribeToAll: EventStore['subscribeToAll'] = (options) => {
    const subscription = real.subscribeToAll(options);
    if (broken++ > 0) return subscription;
    // The first subscription breaks after two events.
    return {
      close: () => subscription.close(),
      async *[Symbol.asyncIterator]() {
        let n = 0;
        for await (const event of subscription) {
          if (n++ === 2) throw new Error('connection lost');
          yield event;
        }
      },
    };
  };
  const store = new Proxy(real, {
    get: (target, key) => (key === 'subscribeToAll' ? subscribeToAll : (Reflect.get(target, key) as unknown)),
  });
  const logger = recordingLogger();
  const handled: number[] = [];
  const loop = await startSubscriptionLoop(
    base(store, { checkpoint: memoryCheckpoint(), logger, maxBatch: 1, handle: ([event]) => void handled.push(event!.position) }),
  );
  await eventually(() => loop.checkpoint() === positions.at(-1), 5_000, 'caught up');
  await loop.stop();
  t.equal(broken, 2, 'subscribed again');
  t.same(handled, positions, 'nothing lost, nothing repeated');
  t.ok(
    logger.lines.some((l) => l.level === 'error' && (l.fields.err as Error).message === 'connection lost'),
    'the failure is reported',
  );
});

t.test('beforeSubscribe runs before each subscription; its failure is retried', async (t) => {
  const store = openStore(t);
  const [position] = await append(store, 'doc-1', 1);
  let calls = 0;
  const loop = await startSubscriptionLoop(
    base(store, {
      checkpoint: memoryCheckpoint(),
      beforeSubscribe: async () => {
        if (calls++ === 0) throw new Error('not yet');
      },
      handle: () => {},
    }),
  );
  await eventually(() => loop.checkpoint() === position, 5_000, 'caught up');
  await loop.stop();
  t.equal(calls, 2);
  t.equal(loop.lastError(), 'not yet');
});

t.test('stop ends a retry wait at once, and the failing batch stays unsaved', async (t) => {
  const store = openStore(t);
  await append(store, 'doc-1', 1);
  const checkpoint = memoryCheckpoint();
  let tries = 0;
  const loop = await startSubscriptionLoop(
    base(store, {
      checkpoint,
      maxBackoffMs: 60_000,
      handle: () => {
        tries += 1;
        throw new Error('always');
      },
    }),
  );
  // backoff 100, 200, 400 ms: the third wait has begun once there were three tries.
  await eventually(() => tries === 3, 5_000, 'three tries');
  const started = Date.now();
  await loop.stop();
  t.ok(Date.now() - started < 300, `stopped in ${Date.now() - started} ms, not after the backoff`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(tries, 3, 'no try after stop');
  t.same(checkpoint.saves, [], 'nothing saved');
  t.equal(loop.checkpoint(), 0);
});

t.test('stop while idle (caught up, waiting for appends) ends the loop promptly', async (t) => {
  const store = openStore(t);
  const loop = await startSubscriptionLoop(base(store, { checkpoint: memoryCheckpoint(), handle: () => {} }));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = Date.now();
  await loop.stop();
  t.ok(Date.now() - started < 500, 'stopped');
});

t.test('with saveEveryMs the checkpoint is saved now and then, and at stop', async (t) => {
  const store = openStore(t);
  const first = await append(store, 'doc-1', 3);
  const checkpoint = memoryCheckpoint();
  const loop = await startSubscriptionLoop(base(store, { checkpoint, saveEveryMs: 200, handle: () => {} }));
  await eventually(() => loop.checkpoint() === first.at(-1), 5_000, 'handled');
  await eventually(() => checkpoint.position === first.at(-1), 2_000, 'saved by the timer');
  const saves = checkpoint.saves.length;
  t.ok(saves <= 2, `saved ${saves} times for 3 events`);
  const second = await append(store, 'doc-1', 1);
  await eventually(() => loop.checkpoint() === second[0], 5_000, 'handled again');
  await loop.stop();
  t.equal(checkpoint.position, second[0], 'saved at stop at the latest');
});

t.test('eventTypes narrows what is handed over', async (t) => {
  const store = openStore(t);
  await append(store, 'doc-1', 1);
  const wanted = await store.append('doc-1', [{ type: 'Wanted', data: {}, metadata: meta }]);
  const seen: RecordedEvent[] = [];
  const loop = await startSubscriptionLoop(
    base(store, { checkpoint: memoryCheckpoint(), eventTypes: ['Wanted'], handle: (events) => void seen.push(...events) }),
  );
  await eventually(() => loop.checkpoint() === wanted.position, 5_000, 'caught up');
  await loop.stop();
  t.same(
    seen.map((e) => e.type),
    ['Wanted'],
  );
});
