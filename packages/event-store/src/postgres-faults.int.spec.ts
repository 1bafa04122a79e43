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
