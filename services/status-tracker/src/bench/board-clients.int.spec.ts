import { fork } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { WebSocketServer } from 'ws';

/** The benchmark's board clients: what they count must be what a WebSocket client receives. */
const script = new URL('./board-clients.ts', import.meta.url);

function startClients(t: Test) {
  const child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
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

t.test('handshake, frames split over reads or packed in one, pings answered; a wrong accept key fails', async (t) => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const pongs: string[] = [];
  const headers: string[] = [];
  server.on('connection', (socket, request) => {
    headers.push(String(request.headers.authorization));
    socket.on('pong', (data) => pongs.push(data.toString()));
    socket.send(JSON.stringify({ type: 'snapshot', filler: 'x'.repeat(600_000) })); // longer than one read
    socket.ping('hb');
  });
  const { ask } = startClients(t);
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/track/live?agencyId=A`;
  const opened = await ask<{ count: number; failed: number }>({ type: 'open', url, authorization: 'Bearer x', count: 3 }, 'opened');
  t.strictSame([opened.count, opened.failed], [3, 0]);
  t.strictSame(headers, ['Bearer x', 'Bearer x', 'Bearer x']);

  // three changes back to back: several frames in one read; the 300-byte one has a 16-bit length
  const changes = [{ type: 'dossier', n: 1 }, { type: 'dossier', n: 2, pad: 'y'.repeat(300) }, { type: 'other' }, { type: 'dossier', n: 3 }];
  for (const socket of server.clients) for (const change of changes) socket.send(JSON.stringify(change));
  const deadline = Date.now() + 5000;
  let report: { times: number[][]; sample: string };
  do {
    await new Promise((r) => setTimeout(r, 50));
    report = await ask({ type: 'report' }, 'arrivals');
  } while (report.times.reduce((n, a) => n + a.length, 0) < 9 && Date.now() < deadline);
  t.strictSame(report.times.map((a) => a.length), [3, 3, 3], 'each dossier change counted once per socket, others not');
  t.ok(report.times.flat().every((at) => Math.abs(at - Date.now()) < 10_000), 'epoch milliseconds');
  t.equal(report.sample, JSON.stringify(changes[0]));
  t.strictSame(pongs, ['hb', 'hb', 'hb'], 'pings answered with their payload');

  // a server that answers the upgrade with the wrong key is not a WebSocket server
  const liar = net.createServer((socket) =>
    socket.once('data', () => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAA\r\n\r\n')),
  );
  await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
  t.teardown(() => liar.close());
  const refused = await ask<{ count: number; failed: number }>(
    { type: 'open', url: `ws://127.0.0.1:${(liar.address() as AddressInfo).port}/`, authorization: '', count: 2 },
    'opened',
  );
  t.equal(refused.failed, 2);
  t.equal(refused.count, 3, 'only the three real sockets are held');
});
