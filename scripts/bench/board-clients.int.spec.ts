import { createHash } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { WebSocketServer } from 'ws';
import { eventually } from '@lienthong/testing';
import { startProcess } from '@lienthong/service-kit';

/** A final, unmasked text frame (RFC 6455 §5.2), as a server (the tracker's live board) writes it. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 0xffff) throw new Error('textFrame: the test frames stay under 64 KiB');
  const head =
    payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

/** The benchmark's board clients: what they count must be what a WebSocket client receives. */
function startClients(t: Test) {
  const child = startProcess(new URL('./board-clients.ts', import.meta.url));
  t.teardown(() => {
    if (child.connected) child.send({ type: 'exit' });
  });
  const ask = <T>(message: object, answer: string) =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string }) => m.type === answer && (child.off('message', on), resolve(m as T));
      child.on('message', on);
      child.send(message);
    });
  return { ask };
}

interface Report {
  times: number[][];
  sample: string;
  protocolErrors: number;
}

t.test('handshake, frames split over reads or packed in one, pings answered', async (t) => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const pongs: string[] = [];
  const headers: string[] = [];
  const connections: net.Socket[] = [];
  server.on('connection', (socket, request) => {
    headers.push(String(request.headers.authorization));
    connections.push(request.socket);
    socket.on('pong', (data) => pongs.push(data.toString()));
    socket.send(JSON.stringify({ type: 'snapshot', filler: 'x'.repeat(600_000) })); // longer than one read
    socket.ping('hb');
  });
  const { ask } = startClients(t);
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/track/live?agencyId=A`;
  const opened = await ask<{ count: number; failed: number }>({ type: 'open', url, authorization: 'Bearer x', count: 3 }, 'opened');
  t.strictSame([opened.count, opened.failed], [3, 0]);
  t.strictSame(headers, ['Bearer x', 'Bearer x', 'Bearer x']);
  await eventually(() => pongs.length === 3, 5000, 'pongs');
  t.strictSame(pongs, ['hb', 'hb', 'hb'], 'pings answered with their payload');

  // four messages in one write (several frames in one read), the second with a 16-bit length
  const changes = [
    { type: 'dossier', n: 1 },
    { type: 'dossier', n: 2, pad: 'y'.repeat(300) },
    { type: 'other' },
    { type: 'dossier', n: 3 },
  ];
  const packed = Buffer.concat(changes.map((c) => textFrame(JSON.stringify(c))));
  for (const connection of connections) connection.write(packed);
  let report: Report | undefined;
  await eventually(
    async () => {
      report = await ask<Report>({ type: 'report' }, 'arrivals');
      return report.times.reduce((n, a) => n + a.length, 0) >= 9;
    },
    5000,
    'arrivals',
  );
  t.strictSame(
    report!.times.map((a) => a.length),
    [3, 3, 3],
    'each dossier change counted once per socket, others not',
  );
  t.ok(
    report!.times.flat().every((at) => Math.abs(at - Date.now()) < 10_000),
    'epoch milliseconds',
  );
  t.equal(report!.sample, JSON.stringify(changes[0]));
  t.equal(report!.protocolErrors, 0);

  // a masked frame from a server is a protocol error: that socket is cut, not counted
  connections[0]!.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x7a, 0x7b]));
  await eventually(async () => (await ask<Report>({ type: 'report' }, 'arrivals')).protocolErrors === 1, 5000, 'protocol error');
});

t.test('an upgrade answered with a wrong accept key (even one differing only in case) fails', async (t) => {
  const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
  const swapCase = (s: string) => [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
  const liar = net.createServer((socket) =>
    socket.once('data', (request) => {
      const key = /sec-websocket-key: (\S+)/i.exec(request.toString())![1]!;
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${swapCase(accept)}\r\n\r\n`,
      );
    }),
  );
  await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
  t.teardown(() => liar.close());
  const { ask } = startClients(t);
  const refused = await ask<{ count: number; failed: number }>(
    { type: 'open', url: `ws://127.0.0.1:${(liar.address() as AddressInfo).port}/`, authorization: '', count: 2 },
    'opened',
  );
  t.strictSame([refused.count, refused.failed], [0, 2]);
});
