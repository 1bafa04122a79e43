/**
 * A live-board process: holds the board sockets its parent hands over (after the parent checked
 * who is asking) and writes each change to them. Started by `startBoardProcesses`; the messages
 * are `ToBoardProcess` and `FromBoardProcess`.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { endSocket } from '@lienthong/platform/session-guard';
import { createLiveBoard } from './live-board.js';
import type { BoardProcessSettings, FromBoardProcess, ToBoardProcess } from './board-processes.js';

const settings = JSON.parse(process.argv[3] ?? '{}') as BoardProcessSettings;
const send = (message: FromBoardProcess) => {
  if (process.connected) process.send!(message);
};
const board = createLiveBoard({
  heartbeatMs: settings.heartbeatMs,
  maxBufferedBytes: settings.maxBufferedBytes,
  onDrop: (reason) => send({ type: 'dropped', reason }),
});
// The handshake is answered here, by `ws`, on the connection the parent received.
const server = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: settings.maxPayload });
const sockets = new Map<number, WebSocket>();
let closing = false;

function attach(message: Extract<ToBoardProcess, { type: 'attach' }>, connection: Socket | undefined): void {
  const { id } = message;
  if (!connection) {
    send({ type: 'closed', id });
    return;
  }
  // The connection's end is the socket's end, whichever way it comes (close, drop, failed handshake).
  connection.once('close', () => {
    sockets.delete(id);
    send({ type: 'closed', id });
    if (closing && sockets.size === 0) process.exit(0);
  });
  const request = { method: 'GET', headers: message.headers } as IncomingMessage;
  server.handleUpgrade(request, connection, Buffer.from(message.head, 'base64'), (socket) => {
    sockets.set(id, socket);
    // What a client sent that `ws` refused (it closes the socket itself): counted and logged by the parent.
    socket.on('error', (error: Error & { code?: string }) =>
      send({ type: 'socketError', error: { ...(error.code ? { code: error.code } : {}), message: error.message } }),
    );
    board.attach(socket, connection, message.agencyId, () => message.snapshot);
  });
}

process.on('message', (message: ToBoardProcess, handle: unknown) => {
  switch (message.type) {
    case 'attach':
      attach(message, handle as Socket | undefined);
      break;
    case 'publish':
      board.publishText(message.agencyId, message.text);
      break;
    case 'end': {
      const socket = sockets.get(message.id);
      if (socket) endSocket(socket, message.reason);
      break;
    }
    case 'close':
      // Close frames out, then gone once the last socket closes; peers that do not answer are cut.
      closing = true;
      board.close();
      if (sockets.size === 0) process.exit(0);
      setTimeout(() => process.exit(0), message.graceMs).unref();
      break;
  }
});
// The parent is gone: so is every reason to hold its sockets.
process.on('disconnect', () => process.exit(0));
// A terminal's Ctrl-C or a service manager signals the whole process group: the parent closes
// the sockets (1001) and then this process; dying first would cut them without a close frame.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});
send({ type: 'ready' });
