import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createSqliteEventStore, type EventStore } from '@lienthong/event-store';
import { eventually, tempDir } from '@lienthong/testing';
import { sealSecret } from '../secrets.js';
import { startTestEngine } from '../test/engine.js';
import type { ConnectorEngine } from './engine.js';

const key = randomBytes(32);
const LEASE_MS = 1_200;
const STREAMS = ['dossier-a', 'dossier-b', 'dossier-c'];

interface Receipt {
  readonly id: string;
  readonly stream: string;
  readonly position: number;
}

/** A real HTTP receiver on loopback: every request's event, in arrival order; answers after `delayMs`. */
async function receiver(t: Test) {
  const receipts: Receipt[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Receipt;
      receipts.push({ id: body.id, stream: body.stream, position: body.position });
      setTimeout(() => res.writeHead(200).end(), 5);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { receipts, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}

async function startEngine(t: Test, store: EventStore, projectionsDir: string, holder: string) {
  const { engine, close } = await startTestEngine(store, projectionsDir, {
    key,
    delivery: {
      concurrency: 4,
      maxQueued: 100,
      retryBudgetMs: 60_000,
      initialBackoffMs: 50,
      maxBackoffMs: 200,
      checkpointEveryMs: 100,
      pollMs: 50,
    },
    limits: { timeoutMs: 2_000, maxResponseBytes: 1024 },
    registryWaitMs: 30_000,
    leaseMs: LEASE_MS,
    holder,
  });
  t.teardown(close);
  return Object.assign(engine, { shut: close });
}

/** Registers the webhook connector `hook` to `url`, delivering what is appended after now. */
async function registerHook(engine: ConnectorEngine, store: EventStore, url: string): Promise<void> {
  await engine.command(
    'hook',
    {
      type: 'RegisterConnector',
      data: {
        connectorId: 'hook',
        kind: 'webhook',
        url,
        secretSealed: sealSecret(key, 'hook', `whsec_${randomBytes(24).toString('base64')}`),
        eventTypes: null,
        agencyIds: null,
        startAfter: await store.headPosition(),
      },
    },
    { correlationId: 'spec', actor: 'admin:spec' },
  );
}

const meta = () => ({ correlationId: 'spec', actor: 'system:spec', at: new Date().toISOString() });

async function appendRound(store: EventStore, round: number, perStream: number) {
  for (let k = 0; k < perStream; k++)
    for (const stream of STREAMS) await store.append(stream, [{ type: 'DossierNoted', data: { round, k }, metadata: meta() }]);
}

/** Per stream, the first arrivals come in position order (a redelivery repeats an event already seen). */
function inOrderPerStream(receipts: readonly Receipt[]): boolean {
  const seen = new Set<string>();
  const last = new Map<string, number>();
  for (const r of receipts) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    if ((last.get(r.stream) ?? 0) > r.position) return false;
    last.set(r.stream, r.position);
  }
  return true;
}

t.test('two engines on one store file: one delivers, the other takes over when it dies', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'events.sqlite');
  const storeA = createSqliteEventStore({ file, sync: 'normal', pollMs: 50 });
  const storeB = createSqliteEventStore({ file, sync: 'normal', pollMs: 50 });
  const { receipts, url } = await receiver(t);

  const a = await startEngine(t, storeA, join(dir, 'projections-a'), 'engine-a');
  const b = await startEngine(t, storeB, join(dir, 'projections-b'), 'engine-b');
  await registerHook(a, storeA, url);
  await eventually(() => b.state('hook').registered, 5_000, 'the other engine to see the connector');

  // 1. steady state: exactly one engine holds the lease, each event arrives once
  await appendRound(storeA, 1, 20);
  await eventually(() => new Set(receipts.map((r) => r.id)).size === 60, 10_000, 'the first 60 events');
  await new Promise((resolve) => setTimeout(resolve, LEASE_MS * 2)); // renewals go by, nothing more arrives
  t.equal(receipts.length, 60, 'each event delivered once with two engines');
  t.equal(Number(a.holdsLease) + Number(b.holdsLease), 1, 'one engine holds the lease');
  const [holder, other] = a.holdsLease ? [a, b] : [b, a];
  const view = await other.view('hook');
  t.equal(view.running, false, 'the other engine runs no outbox');
  t.equal(view.lease.holder, holder === a ? 'engine-a' : 'engine-b', 'the view names the holder');
  t.equal(view.lease.heldHere, false);

  // 2. the holder dies (no release, no last checkpoint) while events keep coming
  const writing = appendRound(storeA, 2, 20);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const died = performance.now();
  await holder.crash();
  await eventually(() => other.holdsLease, LEASE_MS * 3, 'the takeover');
  // Until the takeover only the dead holder's requests already on the wire can land here.
  const atTakeover = receipts.length;
  const tookMs = performance.now() - died;
  t.ok(tookMs <= LEASE_MS + 500, `taken over within the lease time (${tookMs.toFixed(0)} ms, lease ${LEASE_MS} ms)`);
  await writing;
  await eventually(() => new Set(receipts.map((r) => r.id)).size === 120, 15_000, 'all 120 events');
  t.pass('no event lost');
  await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
  t.ok(inOrderPerStream(receipts), 'per dossier, first arrivals in position order');
  const first = new Map<string, number>();
  const twice: number[] = [];
  for (const [i, r] of receipts.entries()) {
    if (!first.has(r.id)) first.set(r.id, i);
    else twice.push(first.get(r.id)!);
  }
  t.ok(new Set(twice).size === twice.length, 'an event arrives at most twice');
  t.ok(
    twice.every((i) => i < atTakeover),
    'duplicates only of events the dead holder sent (first arrivals before the takeover)',
  );
  t.comment(`takeover ${tookMs.toFixed(0)} ms; ${twice.length} events delivered twice (the in-flight window at the kill)`);
  const view2 = await other.view('hook');
  t.equal(view2.running, true, 'the new holder runs the outbox');
  t.equal(view2.lease.heldHere, true);
  await a.shut();
  await b.shut();
  await storeA.close();
  await storeB.close();
});

t.test('a holder that cannot renew stops before its lease runs out; the other takes over once it has', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'events.sqlite');
  const storeA = createSqliteEventStore({ file, sync: 'normal', pollMs: 50 });
  const storeB = createSqliteEventStore({ file, sync: 'normal', pollMs: 50 });
  // engine A's store loses the lease stream (as a store that is away would, for its renewals only)
  let away = false;
  const refuse = (stream: string) => {
    if (away && stream.startsWith('connectors-lease-')) throw new Error('store away');
  };
  const flaky = new Proxy(storeA, {
    get(target, name, receiver) {
      if (name === 'append') return async (stream: string, ...rest: [never]) => (refuse(stream), target.append(stream, ...rest));
      if (name === 'readStream') return async (stream: string, ...rest: [never]) => (refuse(stream), target.readStream(stream, ...rest));
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const { receipts, url } = await receiver(t);
  const a = await startEngine(t, flaky, join(dir, 'projections-a'), 'engine-a');
  await registerHook(a, storeA, url);
  await eventually(() => a.holdsLease, 5_000, 'engine A to take the lease');
  const b = await startEngine(t, storeB, join(dir, 'projections-b'), 'engine-b');
  await appendRound(storeB, 1, 10);
  await eventually(() => new Set(receipts.map((r) => r.id)).size === 30, 10_000, 'the first 30 events');

  away = true;
  await eventually(() => !a.holdsLease, LEASE_MS * 2, 'engine A to give up');
  const stoppedAt = Date.now();
  const [last] = await storeB.readStream('connectors-lease-engine', { direction: 'backward', maxCount: 1 });
  const until = Date.parse((last!.data as { until: string }).until);
  t.equal((last!.data as { holder: string }).holder, 'engine-a', 'the last renewal is A’s');
  t.ok(stoppedAt < until, `A stopped delivering ${until - stoppedAt} ms before its lease ran out`);
  t.equal((await a.view('hook')).running, false, 'A runs no outbox');
  t.notOk(b.holdsLease, 'B has not taken it yet');
  await eventually(() => b.holdsLease, LEASE_MS * 3, 'engine B to take over');
  t.ok(Date.now() >= until, 'B took it once it had run out');
  await appendRound(storeB, 2, 10);
  await eventually(() => new Set(receipts.map((r) => r.id)).size === 60, 10_000, 'all 60 events');
  t.pass('no event lost');
  t.ok(inOrderPerStream(receipts), 'per dossier, first arrivals in position order');
  await a.shut();
  await b.shut();
  await storeA.close();
  await storeB.close();
});
