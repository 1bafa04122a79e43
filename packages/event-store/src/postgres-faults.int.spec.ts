/**
 * The PostgreSQL store against a real server that stops, crashes and comes back: unavailable
 * (503 at the edge) while it is down, whole appends or nothing, reconnection and subscriptions
 * that carry on; live events by NOTIFY, or by polling when LISTEN is off; a duplicate id in a
 * group-committed batch fails its own append only; selection by URL.
 */
import { requirePostgres, startPostgres, tempDir } from '@lienthong/testing';
import t from 'tap';
import { DuplicateEventIdError, StoreUnavailableError } from './errors.js';
import { openEventStore } from './open-event-store.js';
import { createPostgresEventStore } from './postgres-event-store.js';
import { collector, events, newEvent, uniquePrefix, within } from './testing/helpers.js';

if (requirePostgres(t)) {
  const server = await startPostgres();
  t.teardown(() => server.stop());
  const url = await server.createDatabase('faults');

  t.test('live events come by NOTIFY: a 60 s poll interval does not delay them', async (t) => {
    const store = createPostgresEventStore({ url, pollMs: 60_000 });
    const writer = createPostgresEventStore({ url });
    t.teardown(async () => {
      await store.close();
      await writer.close();
    });
    const p = uniquePrefix('notify');
    const got = collector(store.subscribeToAll({ after: await store.headPosition(), streamPrefixes: [p] }));
    await new Promise((r) => setTimeout(r, 300)); // caught up, listening
    const started = Date.now();
    await writer.append(`${p}-1`, events(2));
    await got.waitFor(2, 5_000);
    t.ok(Date.now() - started < 3_000, `arrived in ${Date.now() - started} ms, another process's append`);
  });

  t.test('with LISTEN off, polling alone delivers', async (t) => {
    const store = createPostgresEventStore({ url, pollMs: 100, listen: false });
    t.teardown(() => store.close());
    const p = uniquePrefix('poll');
    const got = collector(store.subscribeToAll({ after: await store.headPosition(), streamPrefixes: [p] }));
    await store.append(`${p}-1`, events(3));
    await got.waitFor(3, 5_000);
    t.equal(got.seen.length, 3);
  });

  t.test('a duplicate id in a shared batch fails its own append only', async (t) => {
    const store = createPostgresEventStore({ url });
    t.teardown(() => store.close());
    const p = uniquePrefix('dup');
    const taken = (await store.append(`${p}-0`, events(1))).events[0]?.id ?? '';
    const results = await Promise.allSettled([
      store.append(`${p}-a`, events(2)),
      store.append(`${p}-b`, [newEvent('X'), newEvent('Y', {}, { id: taken })]),
      store.append(`${p}-c`, events(1)),
    ]);
    t.same(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    t.type(results[1]?.status === 'rejected' ? results[1].reason : undefined, DuplicateEventIdError);
    t.same(await store.readStream(`${p}-b`), [], 'nothing of the refused append');
    t.equal((await store.readStream(`${p}-a`)).length, 2);
  });

  t.test('server down: unavailable, nothing half-written; back up: appends succeed and subscriptions carry on', async (t) => {
    const store = createPostgresEventStore({ url, pollMs: 100, connectTimeoutSeconds: 2 });
    t.teardown(() => store.close());
    const p = uniquePrefix('restart');
    const got = collector(store.subscribeToAll({ after: await store.headPosition(), streamPrefixes: [p] }));
    await store.append(`${p}-before`, events(2));
    await got.waitFor(2);

    // Appends in flight when the server crashes: each lands whole or not at all.
    const inFlight = Array.from({ length: 40 }, (_, i) => store.append(`${p}-flight-${i}`, events(3)));
    const crash = server.crash();
    const settled = await Promise.allSettled(inFlight);
    await crash;
    const failed = settled.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
    t.ok(
      failed.every((e) => e instanceof StoreUnavailableError && (e as { unavailable?: boolean }).unavailable === true),
      `failures are StoreUnavailableError (${failed.length} of 40)`,
    );

    const down = Date.now();
    await t.rejects(within(10_000, 'append while down', store.append(`${p}-down`, events(1))), StoreUnavailableError);
    await t.rejects(within(10_000, 'ping while down', store.ping()), StoreUnavailableError);
    await t.rejects(within(10_000, 'read while down', store.readStream(`${p}-before`)), StoreUnavailableError);
    t.ok(Date.now() - down < 10_000, 'refused promptly, not hung');

    await server.start();
    await within(15_000, 'append after restart', store.append(`${p}-after`, events(2)));
    t.same(await store.readStream(`${p}-down`), [], 'the refused append wrote nothing');
    for (const [i, r] of settled.entries()) {
      const n = (await store.readStream(`${p}-flight-${i}`)).length;
      if (r.status === 'fulfilled' && n !== 3) t.fail(`append ${i} resolved but ${n} of 3 events stored`);
      if (n !== 0 && n !== 3) t.fail(`append ${i} half-written: ${n} of 3`);
    }
    t.pass('every in-flight append whole or absent; every resolved one stored');
    const landed = (await Promise.all(settled.map((_, i) => store.readStream(`${p}-flight-${i}`)))).filter((e) => e.length > 0).length;

    await got.waitFor(2 + landed * 3 + 2, 20_000);
    t.same(
      got.seen.slice(-2).map((e) => e.stream),
      [`${p}-after`, `${p}-after`],
      'the subscription opened before the crash delivers what came after the restart',
    );
    const positions = got.seen.map((e) => e.position);
    t.ok(
      positions.every((pos, i) => i === 0 || pos > (positions[i - 1] ?? 0)),
      'in order, no repeat',
    );
  });

  t.test('calls in flight and new ones while the server stops, is down and starts: each settles promptly, refused or done', async (t) => {
    const store = createPostgresEventStore({ url, pollMs: 100 });
    t.teardown(() => store.close());
    const p = uniquePrefix('outage');
    await store.append(`${p}-0`, events(1));
    let phase = 'up';
    let running = true;
    const calls: Array<{ phase: string; ms: number; error: unknown }> = [];
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const at = phase;
        const started = Date.now();
        let error: unknown;
        try {
          if (i % 2 === 0) await store.append(`${p}-${w}`, events(1));
          else await store.readStream(`${p}-${w}`);
        } catch (e) {
          error = e;
        }
        calls.push({ phase: at, ms: Date.now() - started, error });
        if (at !== 'up') await new Promise((r) => setTimeout(r, 20));
      }
    };
    const workers = Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
    await new Promise((r) => setTimeout(r, 200));
    phase = 'down';
    await server.stop();
    await new Promise((r) => setTimeout(r, 1_500));
    await server.start();
    phase = 'back';
    await new Promise((r) => setTimeout(r, 1_000));
    running = false;
    await workers;
    const slow = calls.filter((c) => c.ms > 3_000);
    t.same(slow, [], `every call settled within 3 s (slowest ${Math.max(...calls.map((c) => c.ms))} ms of ${calls.length})`);
    const failed = calls.filter((c) => c.error !== undefined);
    t.ok(
      failed.every((c) => c.error instanceof StoreUnavailableError),
      `every failure a StoreUnavailableError (${failed.length})`,
    );
    t.ok(
      calls.some((c) => c.phase === 'down' && c.error instanceof StoreUnavailableError),
      'calls were refused while it was down',
    );
    t.ok(
      calls.some((c) => c.phase === 'back' && c.error === undefined),
      'calls succeed once it is back',
    );
  });

  t.test('a server that accepts and never answers: every call refused within the operation timeout', async (t) => {
    const { createServer } = await import('node:net');
    const sockets = new Set<import('node:net').Socket>();
    const mute = createServer((socket) => sockets.add(socket)); // accepts, reads nothing, answers nothing
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    t.teardown(() => {
      for (const socket of sockets) socket.destroy();
      mute.close();
    });
    const port = (mute.address() as import('node:net').AddressInfo).port;
    const store = createPostgresEventStore({
      url: `postgres://postgres@127.0.0.1:${port}/mute`,
      connectTimeoutSeconds: 30,
      operationTimeoutMs: 800,
    });
    t.teardown(() => store.close());
    const started = Date.now();
    const results = await Promise.allSettled([
      store.ping(),
      store.append('mute-1', events(1)),
      store.readStream('mute-1'),
      store.headPosition(),
    ]);
    t.ok(Date.now() - started < 3_000, `refused in ${Date.now() - started} ms (timeout 800 ms, connect timeout 30 s)`);
    t.ok(
      results.every((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailableError),
      'each a StoreUnavailableError',
    );
  });

  t.test('openEventStore picks PostgreSQL for postgres:// and postgresql:// URLs', async (t) => {
    for (const scheme of ['postgres', 'postgresql']) {
      const store = await openEventStore({ url: url.replace(/^postgres/, scheme), dataDir: tempDir(t) });
      const stream = `${uniquePrefix(scheme)}-1`;
      await store.append(stream, events(1));
      const other = createPostgresEventStore({ url });
      t.equal((await other.readStream(stream)).length, 1, `${scheme}:// wrote to the server`);
      await other.close();
      await store.close();
    }
  });
}
