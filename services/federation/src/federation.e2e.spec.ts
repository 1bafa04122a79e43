/**
 * Two real hubs on loopback (province A and province B) exchanging signed transfers of a real
 * edXML sample through A's outbox into B's receiver; B down for a while and back; the hostile
 * requests a peer may send, each refused with problem+json and recorded.
 */
import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { loadHubKey } from '@lienthong/platform';
import { signRequest } from '@lienthong/http-signatures';
import { eventually, freePort, metricValue, tempDir } from '@lienthong/testing';
import { edoc, startFederatedHub, type FederatedHub } from './test/hubs.js';
import { addPeer } from './testing.js';
import type { FederationInbound } from '@lienthong/federation-contract';

const A = '000.00.00.H13';
const B = '000.00.00.H51';
const RECIPIENT = '000.00.15.H51';

t.test('province A to province B', async (t) => {
  const dirB = tempDir(t);
  const portB = await freePort();
  const a = await startFederatedHub(A);
  let b: FederatedHub = await startFederatedHub(B, { dataDir: dirB, port: portB, federation: { maxTransferBytes: 64 * 1024 } });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  await addPeer(a, 'b', b, ['*.H51', 'H51.*']);
  await addPeer(b, 'a', a, ['*.H13', 'H13.*']);
  await b.hub.agency(RECIPIENT, 'Sở Y tế tỉnh B');

  await t.test('identity', async (t) => {
    const identity = (await (await fetch(`${a.baseUrl}/v1/federation/identity`)).json()) as Record<string, string>;
    t.equal(identity.organId, A);
    t.equal(identity.publicKey, loadHubKey(a.hub.platform.config.secretsDir).publicKeyRaw);
  });

  await t.test('a document crosses: queued at A, signed, received at B, delivered once', async (t) => {
    const queued = await a.federation.outbound.queueDocument({ documentId: 'doc-1', recipients: [RECIPIENT], edxml: edoc() });
    t.same(
      queued.map((q) => [q.peerId, q.recipients]),
      [['b', [RECIPIENT]]],
    );
    await eventually(() => b.received.length === 1, 10_000, 'B received the document');
    const [got] = b.received;
    t.equal(got?.origin, A);
    t.equal(got?.peerId, 'a');
    t.equal(got?.message.kind, 'document');
    t.equal(got?.edxml, edoc(), 'the edXML arrives as sent');
    await eventually(
      async () =>
        (await a.hub.app.inject({ method: 'GET', url: '/v1/admin/peers/b', headers: a.hub.admin })).json<{ outbox: { depth: number } }>()
          .outbox.depth === 0,
    );
    const peer = (await a.hub.app.inject({ method: 'GET', url: '/v1/admin/peers/b', headers: a.hub.admin })).json<{
      outbox: { lastSuccessAt: string | null };
    }>();
    t.ok(peer.outbox.lastSuccessAt, 'last success shown');
    const again = await a.federation.outbound.queueDocument({ documentId: 'doc-1', recipients: [RECIPIENT], edxml: edoc() });
    t.equal(again[0]?.transferId, queued[0]?.transferId, 'queuing again finds the same transfer');
    const metrics = await (await fetch(`${a.baseUrl}/metrics`)).text();
    t.equal(metricValue(metrics, 'lt_federation_outbox_depth', { peer: 'b' }), 0);
  });

  const keyA = loadHubKey(a.hub.platform.config.secretsDir);
  const url = (path = '/v1/federation/documents', documentId = 'doc-1') =>
    `${b.baseUrl}${path}?origin=${encodeURIComponent(A)}&documentId=${documentId}`;
  const send = async (body: string, target: string, headers: Record<string, string>) =>
    fetch(target, { method: 'POST', body, headers: { 'content-type': 'application/xml', ...headers } });
  const signed = (
    body: string,
    target: string,
    options: Parameters<typeof signRequest>[2] = {},
    key = { keyId: keyA.keyId, privateKey: keyA.privateKey },
  ) => signRequest({ method: 'POST', url: target, body, headers: { 'content-type': 'application/xml' } }, key, options);

  await t.test('a copy is answered 200 and delivered no second time', async (t) => {
    const res = await send(edoc(), url(), await signed(edoc(), url()));
    t.equal(res.status, 200);
    t.same(await res.json(), { received: true, duplicate: true });
    t.equal(b.received.length, 1);
  });

  await t.test('hostile requests: refused, problem+json, recorded', async (t) => {
    const refusals = async () =>
      (await b.hub.app.inject({ method: 'GET', url: '/v1/admin/federation/refusals?limit=500', headers: b.hub.admin })).json<{
        refusals: Array<{ reason: string; status: number; peerId: string | null }>;
      }>().refusals;
    const expectRefusal = async (what: string, res: Response, status: number, reason: string) => {
      t.equal(res.status, status, `${what}: ${status}`);
      t.match(res.headers.get('content-type'), /^application\/problem\+json/, `${what}: problem+json`);
      const problem = (await res.json()) as { status: number; reason: string; refusalId: string };
      t.equal(problem.status, status);
      t.equal(problem.reason, reason, `${what}: ${reason}`);
      t.ok(
        (await refusals()).some((r) => r.reason === reason && r.status === status),
        `${what}: recorded`,
      );
    };
    const before = b.received.length;
    const forger = generateKeyPairSync('ed25519').privateKey;
    await expectRefusal(
      'forged signature',
      await send(edoc(), url(), await signed(edoc(), url(), {}, { keyId: keyA.keyId, privateKey: forger })),
      401,
      'bad-signature',
    );
    await expectRefusal(
      'unknown key',
      await send(edoc(), url(), await signed(edoc(), url(), {}, { keyId: 'who-knows', privateKey: forger })),
      401,
      'unknown-key',
    );
    await expectRefusal(
      'stale created',
      await send(edoc(), url(), await signed(edoc(), url(), { created: new Date(Date.now() - 10 * 60_000) })),
      401,
      'stale-created',
    );
    const once = await signed(edoc(), url(), { nonce: 'only-once' });
    t.equal((await send(edoc(), url(), once)).status, 200, 'the first use of a nonce passes');
    await expectRefusal('replayed nonce', await send(edoc(), url(), once), 401, 'replayed-nonce');
    await expectRefusal('digest mismatch', await send(`${edoc()} `, url(), await signed(edoc(), url())), 400, 'digest');
    const foreign = edoc().replace('002.00.20.H13', '002.00.20.H99');
    await expectRefusal(
      'foreign From',
      await send(foreign, url('/v1/federation/documents', 'doc-f'), await signed(foreign, url('/v1/federation/documents', 'doc-f'))),
      403,
      'foreign-from',
    );
    const looped = edoc().replace('01.02.G22', B);
    await expectRefusal(
      'loop',
      await send(looped, url('/v1/federation/documents', 'doc-l'), await signed(looped, url('/v1/federation/documents', 'doc-l'))),
      409,
      'loop',
    );
    const broken = '<edXML:edXMLEnvelope xmlns:edXML="http://x">';
    await expectRefusal(
      'edXML that does not parse',
      await send(broken, url('/v1/federation/documents', 'doc-x'), await signed(broken, url('/v1/federation/documents', 'doc-x'))),
      400,
      'malformed-edxml',
    );
    const huge = edoc().replace('</edXML:edXMLEnvelope>', `<!-- ${'x'.repeat(80 * 1024)} --></edXML:edXMLEnvelope>`);
    const tooLarge = await send(
      huge,
      url('/v1/federation/documents', 'doc-h'),
      await signed(huge, url('/v1/federation/documents', 'doc-h')),
    );
    t.equal(tooLarge.status, 413, 'oversized: 413');
    t.match(tooLarge.headers.get('content-type'), /^application\/problem\+json/);
    t.ok(
      (await refusals()).some((r) => r.reason === 'too-large'),
      'oversized: recorded',
    );
    t.equal(b.received.length, before, 'nothing refused was handed over');
    const unsigned = await send(edoc(), url(), {});
    t.equal(unsigned.status, 401, 'unsigned: 401');
  });

  await t.test('directory exchange: A learns who B serves', async (t) => {
    const res = await a.hub.app.inject({ method: 'POST', url: '/v1/admin/peers/b/sync', headers: a.hub.admin });
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.json<{ agencies: number }>().agencies, 1);
    t.same(a.federation.outbound.resolve(RECIPIENT), { organId: RECIPIENT, peerId: 'b', known: true, name: 'Sở Y tế tỉnh B' });
    t.same(a.federation.outbound.resolve('000.00.99.H51'), { organId: '000.00.99.H51', peerId: 'b', known: false, name: null });
    t.equal(a.federation.outbound.resolve('000.00.01.H77'), undefined, 'no route: undefined (→ 422 at the origin)');
    const unsigned = await fetch(`${b.baseUrl}/v1/federation/agencies`);
    t.equal(unsigned.status, 401, 'the agencies of a hub are for signed peers only');
  });

  await t.test('B down for a while, then back: delivered, once', async (t) => {
    await b.close();
    await a.federation.outbound.queueDocument({ documentId: 'doc-2', recipients: [RECIPIENT], edxml: edoc() });
    await eventually(
      async () => {
        const peer = (await a.hub.app.inject({ method: 'GET', url: '/v1/admin/peers/b', headers: a.hub.admin })).json<{
          outbox: { depth: number; lastError: string | null };
        }>();
        return peer.outbox.depth === 1 && peer.outbox.lastError !== null;
      },
      10_000,
      'a failed attempt is recorded',
    );
    const received = b.received;
    b = await startFederatedHub(B, { dataDir: dirB, port: portB, received });
    await eventually(() => received.some((r) => r.documentId === 'doc-2'), 20_000, 'delivered after B came back');
    t.equal(received.filter((r) => r.documentId === 'doc-2').length, 1);
  });

  await t.test('admin drop', async (t) => {
    await addPeer(a, 'nowhere', b, ['*.H99']);
    // point the peer at a closed port: the transfer keeps failing
    const identity = (await (await fetch(`${b.baseUrl}/v1/federation/identity`)).json()) as { keyId: string; publicKey: string };
    const dead = `http://127.0.0.1:${await freePort()}`;
    await a.hub.app.inject({
      method: 'POST',
      url: '/v1/admin/peers',
      headers: a.hub.admin,
      payload: { peerId: 'nowhere', name: 'x', baseUrl: dead, keyId: identity.keyId, publicKey: identity.publicKey, routes: ['*.H99'] },
    });
    const [queued] = await a.federation.outbound.queueDocument({ documentId: 'doc-3', recipients: ['000.00.01.H99'], edxml: edoc() });
    const drop = await a.hub.app.inject({
      method: 'POST',
      url: `/v1/admin/peers/nowhere/transfers/${queued!.transferId}/drop`,
      headers: a.hub.admin,
      payload: { reason: 'province H99 left' },
    });
    t.equal(drop.statusCode, 200, drop.body);
    t.equal(drop.json<{ status: string }>().status, 'dropped');
    const list = (await a.hub.app.inject({ method: 'GET', url: '/v1/admin/peers/nowhere/transfers', headers: a.hub.admin })).json<{
      transfers: unknown[];
    }>();
    t.same(list.transfers, []);
  });
});

t.test('a transfer queued by reference: no edXML in its event, rendered again after a restart', async (t) => {
  const dirA = tempDir(t);
  const b = await startFederatedHub(B);
  let renderable = false;
  const rendered: string[] = [];
  const inbound: FederationInbound = {
    acceptDocument: () => Promise.resolve({ duplicate: false }),
    acceptStatus: () => Promise.resolve({ duplicate: false }),
    render: (source) => {
      rendered.push(source);
      return renderable ? Promise.resolve(edoc()) : Promise.reject(new Error('the document is not there yet'));
    },
  };
  const a = await startFederatedHub(A, { dataDir: dirA, federation: { inbound } });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  await addPeer(a, 'b', b, ['*.H51']);
  await addPeer(b, 'a', a, ['*.H13']);
  await b.stop();

  const [queued] = await a.federation.outbound.queueDocument({
    documentId: 'by-ref-1',
    recipients: [RECIPIENT],
    edxml: edoc(),
    source: 'src-1',
  });
  const events = await a.hub.platform.store.readStream(`fed-transfer-${queued!.transferId}`);
  t.same(
    events.filter((e) => e.type === 'TransferQueued').map((e) => e.data),
    [
      {
        transferId: queued!.transferId,
        peerId: 'b',
        kind: 'document',
        origin: A,
        documentId: 'by-ref-1',
        recipients: [RECIPIENT],
        source: 'src-1',
      },
    ],
    'TransferQueued holds the source and no edXML',
  );
  const lastError = async () =>
    (await a.hub.app.inject({ method: 'GET', url: '/v1/admin/peers/b/transfers', headers: a.hub.admin })).json<{
      transfers: Array<{ lastError: string | null }>;
    }>().transfers[0]?.lastError ?? null;
  await eventually(
    async () => (await lastError())?.startsWith('network') === true,
    10_000,
    'sent from memory while B is down: a network failure',
  );
  t.same(rendered, [], 'the edXML held in memory is sent without a render');

  // A restarted: the edXML is no longer in memory; a render that fails is a failed attempt, retried
  await a.restart();
  await b.restart();
  await eventually(
    async () => (await lastError())?.startsWith('render') === true,
    15_000,
    "the render's failure recorded as reason render",
  );
  t.equal(b.received.length, 0, 'nothing sent without its edXML');
  renderable = true;
  await eventually(() => b.received.length === 1, 20_000, 'rendered again and delivered');
  t.equal(b.received[0]?.edxml, edoc(), 'the rendered edXML arrives');
  t.equal(b.received[0]?.documentId, 'by-ref-1');
  t.ok(
    rendered.every((s) => s === 'src-1'),
    'rendered from its source',
  );
});
