/**
 * What only a server store faces: writers in several processes at once. Positions must reach a
 * reader in order with no gap seen and filled later (each transaction commits after the one
 * before it took its positions), and optimistic concurrency and the hash chain must hold across
 * processes on one stream.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requirePostgres, startPostgres } from '@lienthong/testing';
import t from 'tap';
import { findBrokenLink } from './hash.js';
import { createPostgresEventStore } from './postgres-event-store.js';
import { collector, newEvent, uniquePrefix } from './testing/helpers.js';

const child = fileURLToPath(new URL('./testing/postgres-child.ts', import.meta.url));

function runChild(args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const guard = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    proc.once('error', reject);
    proc.once('exit', (code) => {
      clearTimeout(guard);
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1) ?? 'null'));
      else reject(new Error(`child ${args.join(' ')} exited ${code}: ${out}`));
    });
  });
}

if (requirePostgres(t)) {
  const server = await startPostgres();
  t.teardown(() => server.stop());

  t.test('many writers in 4 processes and 2 pools: readers see every position once, in order, never a gap filled later', async (t) => {
    const url = await server.createDatabase('positions');
    const reader = createPostgresEventStore({ url, pollMs: 20 });
    t.teardown(() => reader.close());
    await reader.ping();
    const PROCESSES = 4;
    const PER_PROCESS = 400;
    const LOCAL = 2;
    const PER_LOCAL = 200;
    const total = PROCESSES * PER_PROCESS + LOCAL * PER_LOCAL;

    const subscription = reader.subscribeToAll({ after: 0 });
    const live = collector(subscription);

    // A second reader polls readAll as fast as it can and checks each page against the last position it saw.
    let polling = true;
    const pollErrors: string[] = [];
    let polled = 0;
    let polls = 0;
    const poller = (async () => {
      let last = 0;
      while (polling || last < total) {
        const page = await reader.readAll({ after: last, maxCount: 300 });
        polls++;
        for (const e of page) {
          if (e.position !== last + 1) pollErrors.push(`after ${last} came ${e.position}`);
          last = e.position;
        }
        polled = last;
        if (page.length === 0) await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const p = uniquePrefix('gapless');
    const local = Array.from({ length: LOCAL }, () => createPostgresEventStore({ url, maxConnections: 4 }));
    const localWriters = local.map(async (store, l) => {
      for (let n = 0; n < PER_LOCAL; n += 4)
        await Promise.all([0, 1, 2, 3].map((w) => store.append(`${p}-local${l}-${w}`, [newEvent('Local', { n })])));
      await store.close();
    });
    await Promise.all([
      ...Array.from({ length: PROCESSES }, (_, i) => runChild(['append', url, `${p}-proc${i}`, String(PER_PROCESS), '8'])),
      ...localWriters,
    ]);
    await live.waitFor(total, 30_000);
    polling = false;
    await poller;
    await subscription.close();

    t.equal(await reader.headPosition(), total, 'head is the count: positions are dense');
    const seen = live.seen.map((e) => e.position);
    t.equal(seen.length, total, 'the subscription saw every event once');
    const out = seen.findIndex((pos, i) => pos !== i + 1);
    t.equal(
      out,
      -1,
      out === -1 ? 'subscription positions 1..N in order' : `subscription broke at index ${out}: ${seen.slice(out - 2, out + 3).join(',')}`,
    );
    t.same(pollErrors, [], `no readAll page skipped a position (${polls} polls)`);
    t.equal(polled, total, 'the poller reached the head');
  });

  t.test('optimistic concurrency and the hash chain hold across processes on one stream', async (t) => {
    const url = await server.createDatabase('race');
    const stream = `${uniquePrefix('race')}-1`;
    const results = (await Promise.all([0, 1, 2].map(() => runChild(['race', url, stream, '40'])))) as Array<{ conflicts: number }>;
    const store = createPostgresEventStore({ url });
    t.teardown(() => store.close());
    const read = await store.readStream(stream);
    t.same(
      read.map((e) => e.revision),
      Array.from({ length: 120 }, (_, i) => i),
      'every revision once, no gap, no duplicate',
    );
    t.equal(findBrokenLink(read), undefined, 'each event chained to the exact head it was appended on');
    t.equal(new Set(read.map((e) => (e.data as { pid: number }).pid)).size, 3, 'all three processes wrote');
    t.comment(`conflicts: ${results.map((r) => r.conflicts).join(', ')}`);
  });

  t.test('a head remembered by one process goes stale: the one-statement append writes nothing and the locked path decides', async (t) => {
    const url = await server.createDatabase('stale');
    const a = createPostgresEventStore({ url });
    const b = createPostgresEventStore({ url });
    t.teardown(async () => {
      await a.close();
      await b.close();
    });
    const stream = `${uniquePrefix('stale')}-1`;
    await a.append(stream, [newEvent()], { expectedRevision: 'no_stream' }); // a remembers revision 0
    await b.append(stream, [newEvent()], { expectedRevision: 0 }); // b moves it to 1
    const stale = await a.append(stream, [newEvent()], { expectedRevision: 0 }).catch((e: unknown) => e);
    t.match(stale, { name: 'WrongExpectedRevisionError', actual: 1 }, 'a stale remembered head still gets the true conflict');
    const appended = await a.append(stream, [newEvent(), newEvent()], { expectedRevision: 'any' });
    t.equal(appended.nextRevision, 3, 'then appends on the true head');
    await b.append(stream, [newEvent()]); // a's head stale again, with expectedRevision any
    const third = await a.append(stream, [newEvent()]);
    t.equal(third.nextRevision, 5, 'an any-revision append on a stale head lands after the real one');

    const other = `${uniquePrefix('stale')}-2`;
    await b.append(other, [newEvent()], { expectedRevision: 'no_stream' });
    const twice = await a.append(other, [newEvent()], { expectedRevision: 'no_stream' }).catch((e: unknown) => e);
    t.match(twice, { name: 'WrongExpectedRevisionError', actual: 0 }, 'no_stream on a stream another process created: conflict');
    const described = `${uniquePrefix('stale')}-3`;
    await b.setStreamMetadata(described, { maxAge: 60 });
    await a.append(described, [newEvent()], { expectedRevision: 'no_stream' });
    t.equal((await a.streamInfo(described))?.revision, 0, 'a stream with metadata and no event takes a first append as new');

    const read = await b.readStream(stream);
    t.same(
      read.map((e) => e.revision),
      [0, 1, 2, 3, 4, 5],
      'every revision once',
    );
    t.equal(findBrokenLink(read), undefined, 'each event chained to the exact head, whichever path wrote it');
    const head = await b.headPosition();
    t.same(
      (await b.readAll()).map((e) => e.position),
      Array.from({ length: head }, (_, i) => i + 1),
      'positions dense: an append that did not apply took none',
    );
    t.equal((await b.streamInfo(stream))?.position, read.at(-1)?.position, "a stream's position is its head event's");
  });

  t.test(
    'a batch on remembered heads: a stream another process moved goes to the locked path, the others are written at once',
    async (t) => {
      const url = await server.createDatabase('known');
      const a = createPostgresEventStore({ url });
      const b = createPostgresEventStore({ url });
      t.teardown(async () => {
        await a.close();
        await b.close();
      });
      const p = uniquePrefix('known');
      for (const s of ['s1', 's2', 's3']) await a.append(`${p}-${s}`, [newEvent()], { expectedRevision: 'no_stream' }); // a remembers revision 0
      await b.append(`${p}-s2`, [newEvent()], { expectedRevision: 0 }); // b moves s2 to 1: a's head of s2 is stale

      // One batch (same turn): s1 and s3 on heads a knows, s2 on a stale head, a new stream, s3 twice.
      const results = await Promise.allSettled([
        a.append(`${p}-s1`, [newEvent('One')], { expectedRevision: 0 }),
        a.append(`${p}-s2`, [newEvent('Two')], { expectedRevision: 0 }),
        a.append(`${p}-s3`, [newEvent('Three'), newEvent('Three')]),
        a.append(`${p}-s3`, [newEvent('Three')], { expectedRevision: 2 }),
        a.append(`${p}-s4`, [newEvent('Four')], { expectedRevision: 'no_stream' }),
        a.append(`${p}-s2`, [newEvent('Two')]),
      ]);
      const value = (i: number) => (results[i]?.status === 'fulfilled' ? results[i].value : undefined);
      t.equal(value(0)?.nextRevision, 1, 's1 written on its known head');
      t.match(results[1], { status: 'rejected', reason: { name: 'WrongExpectedRevisionError', actual: 1 } }, 's2: the true conflict');
      t.same([value(2)?.nextRevision, value(3)?.nextRevision], [2, 3], 's3: two appends of one batch chained');
      t.equal(value(4)?.nextRevision, 0, 's4: a new stream');
      t.equal(value(5)?.nextRevision, 2, 's2 with any revision: after the real head');

      for (const s of ['s1', 's2', 's3', 's4']) {
        const read = await b.readStream(`${p}-${s}`);
        t.same(
          read.map((e) => e.revision),
          read.map((_, i) => i),
          `${s}: every revision once`,
        );
        t.equal(findBrokenLink(read), undefined, `${s}: chained to the exact head`);
        t.equal((await b.streamInfo(`${p}-${s}`))?.position, read.at(-1)?.position, `${s}: its position is its head event's`);
      }
      const head = await b.headPosition();
      t.same(
        (await b.readAll()).map((e) => e.position),
        Array.from({ length: head }, (_, i) => i + 1),
        'positions dense: what did not apply took none',
      );
      const s3 = await b.readStream(`${p}-s3`);
      t.same(
        [value(2)?.events.map((e) => e.position), value(3)?.events.map((e) => e.position)],
        [s3.slice(1, 3).map((e) => e.position), s3.slice(3).map((e) => e.position)],
        'the positions answered are those stored',
      );
    },
  );

  t.test("a writer's own subscription: its commits and another process's, in order, once, as stored", async (t) => {
    const url = await server.createDatabase('own');
    const store = createPostgresEventStore({ url, pollMs: 60_000 });
    t.teardown(() => store.close());
    await store.ping();
    const live = collector(store.subscribeToAll({ after: 0 }));
    await new Promise((r) => setTimeout(r, 200)); // listening
    const p = uniquePrefix('own');
    const OWN = 600;
    const OTHER = 300;
    const own = (async () => {
      for (let n = 0; n < OWN; n += 6)
        await Promise.all(
          [0, 1, 2, 3, 4, 5].map((w) => store.append(`${p}-own-${w}`, [newEvent('Own', { n: n + w, text: 'tiếng Việt' })])),
        );
    })();
    await Promise.all([own, runChild(['append', url, `${p}-other`, String(OTHER), '4'])]);
    await live.waitFor(OWN + OTHER, 30_000);
    t.same(
      live.seen.map((e) => e.position),
      Array.from({ length: OWN + OTHER }, (_, i) => i + 1),
      'positions 1..N in order, each once (a 60 s poll: NOTIFY and own commits only)',
    );
    t.same(live.seen, await store.readAll({ after: 0 }), 'each event as a read gives it (data parsed from the stored text)');
  });

  t.test('stream reads asked in one turn share a statement: each gets its own page, as read alone', async (t) => {
    const url = await server.createDatabase('reads');
    const store = createPostgresEventStore({ url });
    t.teardown(() => store.close());
    const p = uniquePrefix('reads');
    for (let s = 0; s < 4; s++)
      await store.append(
        `${p}-${s}`,
        Array.from({ length: 3 + s }, (_, i) => newEvent('Read', { s, i })),
      );
    const asks = [
      [`${p}-0`, {}],
      [`${p}-1`, { fromRevision: 2 }],
      [`${p}-2`, { maxCount: 2 }],
      [`${p}-3`, { fromRevision: 1, maxCount: 3 }],
      [`${p}-none`, {}],
      [`${p}-3`, { direction: 'backward' }],
      [`${p}-3`, { direction: 'backward', maxCount: 1 }],
      [`${p}-2`, { direction: 'backward', fromRevision: 3, maxCount: 2 }],
      [`${p}-none`, { direction: 'backward' }],
    ] as const;
    const together = await Promise.all(asks.map(([stream, options]) => store.readStream(stream, options)));
    const alone: unknown[] = [];
    for (const [stream, options] of asks) alone.push(await store.readStream(stream, options));
    t.same(together, alone, 'the same pages as one by one');
    t.same(
      together.map((page) => page.map((e) => e.revision)),
      [[0, 1, 2], [2, 3], [0, 1], [1, 2, 3], [], [5, 4, 3, 2, 1, 0], [5], [3, 2], []],
      'each page its own revisions, in its direction',
    );
  });

  t.test(
    "subscriptions sharing one window: with LISTEN off, polling alone brings other processes' events, filtered, in order",
    async (t) => {
      const url = await server.createDatabase('polling');
      const reader = createPostgresEventStore({ url, listen: false, pollMs: 100 });
      const writer = createPostgresEventStore({ url });
      const prefix = uniquePrefix('poll');
      const all = reader.subscribeToAll();
      const some = reader.subscribeToAll({ streamPrefixes: [`${prefix}-b`] });
      t.teardown(async () => {
        await all.close();
        await some.close();
        await reader.close();
        await writer.close();
      });
      const everything = collector(all);
      const filtered = collector(some);
      for (let i = 0; i < 6; i++) await writer.append(`${prefix}-${i % 2 === 0 ? 'a' : 'b'}`, [newEvent('Polled', { i })]);
      await everything.waitFor(6, 10_000);
      await filtered.waitFor(3, 10_000);
      t.same(
        everything.seen.map((e) => e.position),
        [1, 2, 3, 4, 5, 6],
        'every position once, in order',
      );
      t.same(
        filtered.seen.map((e) => (e.data as { i: number }).i),
        [1, 3, 5],
        'the filtered one only its streams',
      );
    },
  );
}
