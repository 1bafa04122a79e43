/**
 * Signature nonces shared through the event store (SPEC §6; issue 16): a signed transfer accepted
 * by one receiver and replayed to a second receiver on the same store (another replica) is
 * refused there as a replay (401 problem, `replayed-nonce`, recorded refusal), on SQLite and, when
 * PostgreSQL is installed, with each receiver on its own connection to one database.
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createSqliteEventStore, openEventStore, type EventStore } from '@lienthong/event-store';
import { signRequest } from '@lienthong/http-signatures';
import { AppError, createMetrics } from '@lienthong/service-kit';
import { requirePostgres, startPostgres, tempDir } from '@lienthong/testing';
import type { AcceptedTransfer, FederationInbound } from '@lienthong/federation-contract';
import { loadFederationState } from './federation-state.js';
import { federationMetrics } from './outbox/metrics.js';
import { createReceiver, type IncomingRequest, type Receiver } from './receiver.js';
import { eventStoreNonces } from './nonces.js';
import { edoc } from './test/hubs.js';

const HUB = '000.00.00.H51';
const keys = generateKeyPairSync('ed25519');
const publicKey = (keys.publicKey.export({ format: 'jwk' }) as { x: string }).x;
const PEER = {
  peerId: 'a',
  name: 'A',
  baseUrl: 'http://127.0.0.1:9',
  keyId: 'a-key-0001',
  publicKey,
  routes: ['*.H13'],
  kind: 'hub' as const,
};

/** A receiver as one replica builds it: its own state folded from the store, nonces in the store. */
async function replica(store: EventStore): Promise<{ receiver: Receiver; accepted: string[] }> {
  const state = await loadFederationState(store);
  const accepted: string[] = [];
  const accept = (transfer: { documentId: string }): Promise<AcceptedTransfer> => {
    accepted.push(transfer.documentId);
    return Promise.resolve({ duplicate: false });
  };
  const inbound: FederationInbound = { acceptDocument: accept, acceptStatus: accept };
  const receiver = createReceiver({
    store,
    state,
    nonces: eventStoreNonces(store),
    hubOrganId: HUB,
    metrics: federationMetrics(createMetrics(), state),
    inbound: () => inbound,
  });
  return { receiver, accepted };
}

async function signedTransfer(): Promise<IncomingRequest> {
  const url = `http://127.0.0.1:8080/v1/federation/documents?origin=000.00.00.H13&documentId=d-1&to=000.00.15.H51`;
  const body = Buffer.from(edoc(), 'utf8');
  const headers = await signRequest(
    { method: 'POST', url, body, headers: { 'content-type': 'application/xml' } },
    {
      keyId: PEER.keyId,
      privateKey: keys.privateKey,
    },
  );
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: 'POST', url, path: '/v1/federation/documents', headers: lower, body, remoteAddress: '127.0.0.1' };
}

async function replayAcross(t: Test, first: EventStore, second: EventStore) {
  // the peer is registered once, through the first replica's state; the second folds it at start
  const state = await loadFederationState(first);
  await state.registerPeer(PEER, { correlationId: 'test', actor: 'admin' });
  const one = await replica(first);
  const two = await replica(second);
  const request = await signedTransfer();
  const query = { origin: '000.00.00.H13', documentId: 'd-1', to: '000.00.15.H51' };
  t.same(await one.receiver.receive('document', request, query), { status: 202, duplicate: false }, 'the first replica accepts it');
  const refused = await two.receiver.receive('document', request, query).then(
    () => null,
    (error: unknown) => error,
  );
  t.ok(refused instanceof AppError, 'the replay to the second replica is refused');
  const problem = refused as AppError;
  t.equal(problem.status, 401);
  t.equal(problem.extensions?.reason, 'replayed-nonce');
  t.same(two.accepted, [], 'nothing handed to document routing by the second replica');
  const refusals = await second.readAll({ streamPrefixes: ['fed-refusal-'] });
  t.match(
    refusals.map((e) => e.data),
    [{ reason: 'replayed-nonce', status: 401, peerId: 'a', refusalId: problem.extensions?.refusalId }],
    'the refusal is recorded',
  );
  // and the first replica refuses it too (a restart or the same process: the store remembers)
  const again = await one.receiver.receive('document', request, query).catch((error: unknown) => error);
  t.equal((again as AppError).extensions?.reason, 'replayed-nonce', 'the same replica refuses it as well');
}

t.test('two receivers on one SQLite file, each with its own store', async (t) => {
  const dir = tempDir(t, 'lt-fed-nonces-');
  const first = createSqliteEventStore({ file: join(dir, 'events.sqlite'), sync: 'normal' });
  const second = createSqliteEventStore({ file: join(dir, 'events.sqlite'), sync: 'normal' });
  t.teardown(async () => {
    await first.close();
    await second.close();
  });
  await replayAcross(t, first, second);
});

t.test('two receivers on one PostgreSQL database, each with its own connection', async (t) => {
  if (!requirePostgres(t)) return;
  const pg = await startPostgres();
  t.teardown(() => pg.stop());
  const url = await pg.createDatabase('nonces');
  const dir = tempDir(t, 'lt-fed-nonces-pg-');
  const first = await openEventStore({ url, dataDir: join(dir, 'a') });
  const second = await openEventStore({ url, dataDir: join(dir, 'b') });
  t.teardown(async () => {
    await first.close();
    await second.close();
  });
  await replayAcross(t, first, second);
});
