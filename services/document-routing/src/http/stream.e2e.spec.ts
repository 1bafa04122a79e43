import t from 'tap';
import WebSocket from 'ws';
import { hostileFrames, metricValue } from '@lienthong/testing';
import { createLogger } from '@lienthong/service-kit';
import { postXml, sampleDocument, sampleXml, startRoutingHub, type Auth } from '../test/helpers.js';

type Message = {
  type: string;
  deliveryId?: string;
  delivery?: { deliveryId: string; documentId: string; to: string; kind: string };
  status?: number;
  code?: string;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
};

/** A stream client that records every message; `next` waits for one matching a predicate. */
async function connect(url: string, auth: Auth) {
  const socket = new WebSocket(url, { headers: auth });
  const messages: Message[] = [];
  const waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  socket.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as Message;
    messages.push(m);
    for (const w of [...waiters]) {
      if (!w.match(m)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  return {
    socket,
    messages,
    closed,
    next(match: (m: Message) => boolean, timeoutMs = 5000): Promise<Message> {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no such message in time')), timeoutMs);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    delivered: () => messages.filter((m) => m.type === 'delivery').map((m) => m.delivery!.documentId),
    close: () =>
      new Promise<void>((resolve) =>
        socket.readyState === WebSocket.CLOSED ? resolve() : (socket.once('close', () => resolve()), socket.close()),
      ),
  };
}

t.test('WebSocket delivery stream', async (t) => {
  const hub = await startRoutingHub({ env: { LT_MAX_BODY_MB: '0.05' } });
  t.teardown(() => hub.close());
  for (const id of ['H40', 'H40.12', 'H40.13']) await hub.agency(id);
  const sender = await hub.system(['H40']);
  const recipient = await hub.system(['H40.12']);
  const other = await hub.system(['H40.13']);
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const ws = address.replace(/^http/, 'ws');
  const send = async (documentId: string, to = ['H40.12']) => {
    const res = await postXml(hub, sender, await sampleXml(sampleDocument({ from: 'H40', to, documentId })));
    t.equal(res.statusCode, 202);
    return res.json() as { documentId: string; recipients: Array<{ organId: string; deliveryId: string }> };
  };

  const a = await send('ws-a');
  const first = await connect(`${ws}/v1/stream?organId=H40.12`, recipient);
  const bystander = await connect(`${ws}/v1/stream`, other);
  await first.next((m) => m.delivery?.documentId === a.documentId);
  t.pass('a pending delivery is pushed on connect');

  const b = await send('ws-b');
  const pushedB = await first.next((m) => m.delivery?.documentId === b.documentId);
  t.equal(pushedB.delivery!.to, 'H40.12', 'a new delivery is pushed live');
  first.socket.send(JSON.stringify({ type: 'ack', deliveryId: pushedB.delivery!.deliveryId }));
  await first.next((m) => m.type === 'acked' && m.deliveryId === pushedB.delivery!.deliveryId);
  first.socket.send(JSON.stringify({ type: 'ack', deliveryId: pushedB.delivery!.deliveryId }));
  await first.next(
    (m) =>
      m.type === 'acked' && m.deliveryId === pushedB.delivery!.deliveryId && first.messages.filter((x) => x.type === 'acked').length === 2,
  );
  t.pass('acks over the socket, twice');
  first.socket.send(JSON.stringify({ type: 'ack', deliveryId: a.recipients[0]!.deliveryId.replace(/.$/, '0') }));
  const refused = await first.next((m) => m.type === 'error');
  t.equal(refused.status, 404, 'an unknown delivery cannot be acked');
  await first.close();

  const second = await connect(`${ws}/v1/stream?organId=H40.12`, recipient);
  await second.next((m) => m.delivery?.documentId === a.documentId);
  await new Promise((r) => setTimeout(r, 200));
  t.same(second.delivered(), [a.documentId], 'after reconnect: the unacked one again, not the acked one');

  // ack over HTTP: the next connection has nothing; new ones still arrive
  t.equal(
    (await hub.app.inject({ method: 'POST', url: `/v1/deliveries/${a.recipients[0]!.deliveryId}/ack`, headers: recipient })).statusCode,
    204,
  );
  await second.close();
  const third = await connect(`${ws}/v1/stream`, recipient);
  const c = await send('ws-c', ['H40.12', 'H40.13']);
  await third.next((m) => m.delivery?.documentId === c.documentId);
  t.same(third.delivered(), [c.documentId]);
  await bystander.next((m) => m.delivery?.documentId === c.documentId);
  t.same(bystander.delivered(), [c.documentId], 'the other recipient saw only its own delivery');
  t.ok(bystander.messages.every((m) => m.type !== 'delivery' || m.delivery!.to === 'H40.13'));
  await third.close();
  await bystander.close();

  // revoking a system ends the sockets it has open; rotating a token ends those opened with the old one
  const rotating = await hub.system(['H40.13']);
  const opened = await connect(`${ws}/v1/stream`, rotating);
  const closed = (s: Awaited<ReturnType<typeof connect>>) =>
    new Promise<number>((resolve) => s.socket.once('close', (code) => resolve(code)));
  const rotatedAway = closed(opened);
  const rotated = await hub.app.inject({ method: 'POST', url: `/v1/admin/systems/${rotating.systemId}/token`, headers: hub.admin });
  t.equal(await rotatedAway, 1008, 'the socket opened with the rotated-away token is closed (policy violation)');
  const renewed = await connect(`${ws}/v1/stream`, { authorization: `Bearer ${rotated.json().token as string}` });
  const revokedAway = closed(renewed);
  const untouched = await connect(`${ws}/v1/stream`, other);
  t.equal(
    (await hub.app.inject({ method: 'POST', url: `/v1/admin/systems/${rotating.systemId}/revoke`, headers: hub.admin })).statusCode,
    200,
  );
  t.equal(await revokedAway, 1008, 'a revoked system loses its open socket');
  await new Promise((r) => setTimeout(r, 1200));
  t.equal(untouched.socket.readyState, WebSocket.OPEN, 'other systems keep theirs');
  await untouched.close();

  await t.rejects(
    connect(`${ws}/v1/stream?organId=H40.13`, recipient),
    /HTTP 403/,
    'another organisation’s stream is refused before the upgrade',
  );
  await t.rejects(connect(`${ws}/v1/stream`, { authorization: 'Bearer nope' }), /HTTP 401/);

  // over a real socket, a chunked body past the limit still gets its 413
  const big = await sampleXml(sampleDocument({ from: 'H40', to: ['H40.12'], documentId: 'big' }), [
    { name: 'b.bin', bytes: Buffer.alloc(200_000, 1) },
  ]);
  const body = new ReadableStream({
    start(controller) {
      for (let i = 0; i < big.length; i += 16_384) controller.enqueue(new TextEncoder().encode(big.slice(i, i + 16_384)));
      controller.close();
    },
  });
  const res = await fetch(`${address}/v1/documents`, {
    method: 'POST',
    headers: { ...sender, 'content-type': 'application/xml' },
    body,
    duplex: 'half',
  }).catch((e: unknown) => e as Error);
  t.equal(res instanceof Response ? res.status : String(res), 413);
});

t.test('the stream survives any frame: each is answered or refused, and the hub keeps serving', async (t) => {
  const logs: Array<{ level: number; msg: string; reason?: string; endpoint?: string }> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(JSON.parse(line)) } });
  const hub = await startRoutingHub({ logger });
  t.teardown(() => hub.close());
  for (const id of ['H50', 'H50.12']) await hub.agency(id);
  const sender = await hub.system(['H50']);
  const recipient = await hub.system(['H50.12']);
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${address.replace(/^http/, 'ws')}/v1/stream`;
  const frames = [
    ...hostileFrames(1024 * 1024),
    ...[
      '{"type":"ack"}',
      '{"type":"ack","deliveryId":42}',
      '{"type":"ack","deliveryId":""}',
      '{"type":"ack","deliveryId":null}',
      '{"type":"nack","deliveryId":"x"}',
      `{"type":"ack","deliveryId":"${'x'.repeat(65)}"}`,
      '{"deliveryId":"x"}',
    ].map((text) => ({ name: `wrong shape ${text.slice(0, 40)}`, send: (socket: WebSocket) => socket.send(text), closeCode: undefined })),
  ];
  let n = 0;
  for (const frame of frames) {
    const client = await connect(url, recipient);
    frame.send(client.socket);
    if (frame.closeCode) {
      t.equal(await client.closed, frame.closeCode, `${frame.name}: the socket is closed with ${frame.closeCode}`);
    } else {
      const refused = await client.next((m) => m.type === 'error');
      t.equal(refused.status, 400, `${frame.name}: answered 400`);
      t.match(refused.detail, /\{"type":"ack","deliveryId":"…"\}|message/, `${frame.name}: the answer says what to send`);
      t.ok(
        refused.code === 'LT_MALFORMED_BODY' || (refused.code === 'LT_VALIDATION' && refused.errors!.length > 0),
        `${frame.name}: with a code and, for a wrong shape, the fields`,
      );
    }
    // the hub still serves: HTTP, and the stream (the same socket when still open) delivers and acks
    t.equal((await fetch(`${address}/health/live`)).status, 200, `${frame.name}: HTTP still served`);
    const user = frame.closeCode ? await connect(url, recipient) : client;
    const sent = await postXml(hub, sender, await sampleXml(sampleDocument({ from: 'H50', to: ['H50.12'], documentId: `hostile-${++n}` })));
    const deliveryId = (sent.json() as { recipients: Array<{ deliveryId: string }> }).recipients[0]!.deliveryId;
    await user.next((m) => m.delivery?.deliveryId === deliveryId);
    user.socket.send(JSON.stringify({ type: 'ack', deliveryId }));
    await user.next((m) => m.type === 'acked' && m.deliveryId === deliveryId);
    await user.close();
    if (user !== client) await client.close();
  }

  // a flood of bad messages: answered up to a bound, then the socket is closed (its answers would pile up unread)
  const flooder = await connect(url, recipient);
  for (let i = 0; i < 150; i++) flooder.socket.send('null');
  t.equal(await flooder.closed, 1008, 'a socket flooding bad messages is closed (policy violation)');
  t.equal(flooder.messages.filter((m) => m.type === 'error').length, 100, 'after 100 answers');
  const after = await connect(url, recipient);
  after.socket.send('null');
  t.equal((await after.next((m) => m.type === 'error')).status, 400, 'other sockets are still answered');
  await after.close();

  const metrics = await (await fetch(`${address}/metrics`)).text();
  t.equal(
    metricValue(metrics, 'lt_websockets_dropped_total', { endpoint: '/v1/stream', reason: 'refused' }),
    1,
    'the flooder is counted as dropped',
  );
  const refused = (reason: string) => metricValue(metrics, 'lt_websocket_frames_refused_total', { endpoint: '/v1/stream', reason });
  t.equal(refused('oversized'), frames.filter((f) => f.closeCode === 1009).length, 'every oversized frame is counted');
  t.equal(
    refused('protocol'),
    frames.filter((f) => f.closeCode === 1007 || f.closeCode === 1002).length,
    'invalid UTF-8 and other protocol errors are counted',
  );
  t.equal(
    refused('invalid'),
    frames.filter((f) => !f.closeCode).length + 101,
    'every message answered 400 is counted (and the flood up to its bound)',
  );
  t.same(
    logs.filter((l) => l.level >= 50),
    [],
    'nothing is logged at error level',
  );
  t.equal(logs.filter((l) => l.level === 40 && l.reason === 'oversized').length, 1, 'oversized frames are logged at warn, once a minute');
});
