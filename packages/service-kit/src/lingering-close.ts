import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface LingerLimits {
  /** Body bytes read and dropped after the answer before the connection is cut. */
  readonly maxBytes: number;
  /** Time the rest of the body may take to arrive before the connection is cut. */
  readonly maxMs: number;
}

export const DEFAULT_LINGER: LingerLimits = { maxBytes: 64 * 1024 * 1024, maxMs: 5_000 };

/**
 * nginx's lingering close, for answers sent before their request body was read (413 on an
 * announced length, 401 before the body, a refused stream). Closing at once would leave the
 * client's bytes unread: the kernel then resets the connection, and a client still writing
 * (fetch, curl without `Expect: 100-continue`) gets EPIPE and loses the answer. So the answer
 * keeps the connection (`Connection: keep-alive`: Node then does not close it), the rest of
 * the body is read and dropped, and the connection is cut only past `maxBytes` or `maxMs`.
 * A body that arrives within them leaves a clean connection, usable for the next request.
 */
export function registerLingeringClose(app: FastifyInstance, limits: LingerLimits = DEFAULT_LINGER): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const incoming = request.raw;
    // (an injected request has no socket: nothing to linger on)
    if (incoming.complete || !hasBody(incoming) || !(incoming.socket instanceof Socket) || !app.server.listening) return payload;
    reply.header('connection', 'keep-alive');
    drain(incoming, reply.raw, limits);
    return payload;
  });
}

function hasBody(incoming: IncomingMessage): boolean {
  const length = incoming.headers['content-length'];
  return incoming.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function drain(incoming: IncomingMessage, response: NodeJS.WritableStream & { writableFinished: boolean }, limits: LingerLimits): void {
  const socket = incoming.socket;
  let dropped = 0;
  const stop = (): void => {
    clearTimeout(timer);
    incoming.off('data', onData);
    incoming.off('end', stop);
    socket.off('close', stop);
  };
  const cut = (): void => {
    stop();
    incoming.pause();
    // The answer goes out first; what the client sends past the limits is its own loss.
    if (response.writableFinished) socket.destroy();
    else response.once('finish', () => socket.destroy());
  };
  const onData = (chunk: Buffer): void => {
    dropped += chunk.length;
    if (dropped > limits.maxBytes) cut();
  };
  const timer = setTimeout(cut, limits.maxMs);
  timer.unref();
  // Whoever read the body before the answer (a body parser, a stream) is done with it.
  incoming.unpipe();
  incoming.on('data', onData);
  incoming.once('end', stop);
  socket.once('close', stop);
  incoming.resume();
}
