import t, { type Test } from 'tap';
import Fastify from 'fastify';
import websocket from '@fastify/websocket';
import WebSocket from 'ws';
import { createLiveBoard } from './live-board.js';

/** A real server with the board on one WebSocket route; no platform around it. */
async function serve(t: Test, maxBufferedBytes: number) {
  const board = createLiveBoard({ heartbeatMs: 60_000, maxBufferedBytes });
  const app = Fastify();
  await app.register(websocket);
  app.get('/live', { websocket: true }, (socket, request) =>
    board.attach(socket, request.raw.socket, 'A', () => JSON.stringify({ type: 'snapshot' })),
  );
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const sockets: WebSocket[] = [];
  t.teardown(async () => {
    for (const s of sockets) s.terminate();
    board.close();
    await app.close();
  });
  const open = async () => {
    const socket = new WebSocket(`${address.replace(/^http/, 'ws')}/live`);
    const got: string[] = [];
    socket.on('message', (raw) => got.push(raw.toString()));
    await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
    sockets.push(socket);
    return { socket, got };
  };
  return { board, open };
}

t.test('a client that never reads is dropped once its buffer passes the bound; the others keep receiving', async (t) => {
  const { board, open } = await serve(t, 256 * 1024);
  const reader = await open();
  const { socket: stuck } = await open();
  const stuckClosed = new Promise<void>((r) => stuck.on('close', () => r()));
  const raw = (stuck as unknown as { _socket: import('node:net').Socket })._socket;
  raw.pause(); // stops reading: the kernel buffers fill, then the server's
  await new Promise((r) => setTimeout(r, 50));
  t.equal(board.stats().clients, 2);

  const payload = { type: 'dossier', filler: 'x'.repeat(64 * 1024) };
  let sent = 0;
  // Loopback buffers hold a few MB; the bound is crossed well before 64 MB.
  while (board.stats().droppedSlow === 0 && sent < 1000) {
    board.publish('A', payload);
    sent++;
    await new Promise((r) => setImmediate(r));
  }
  t.equal(board.stats().droppedSlow, 1, `dropped after ${sent} messages of 64 KB`);
  t.equal(board.stats().clients, 1);
  raw.resume(); // reading again, it finds the connection closed by the server
  const outcome = await Promise.race([stuckClosed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 5000).unref())]);
  t.equal(outcome, 'closed', 'the server closed the stuck socket');

  board.publish('A', { type: 'dossier', last: true });
  const deadline = Date.now() + 5000;
  while (reader.got.length < sent + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.equal(reader.got.length, sent + 2, 'the reading client got the snapshot and every message');
});

t.test("messages go only to the agency's sockets", async (t) => {
  const { board, open } = await serve(t, 1024 * 1024);
  const { got } = await open();
  t.ok(board.watching('A'));
  t.notOk(board.watching('B'));
  board.publish('B', { n: 1 });
  board.publish('A', { n: 2 });
  const deadline = Date.now() + 2000;
  while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.strictSame(got, ['{"type":"snapshot"}', '{"n":2}']);
});
