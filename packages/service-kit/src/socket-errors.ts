import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';

/** Why `ws` refused a client's frame; it then closes the socket itself (1009, 1008, 1007, 1002). */
export type FrameRefusal = 'oversized' | 'protocol';

/** `ws` codes of a message over its bounds: payload size, 64-bit lengths, too many fragments. */
const OVERSIZED = new Set([
  'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
  'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH',
  'WS_ERR_TOO_MANY_BUFFERED_PARTS',
]);

/** The refusal an error of `ws` stands for, or undefined when the error is not about a client's frame. */
export function frameRefusalOf(error: unknown): FrameRefusal | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  return OVERSIZED.has(code) ? 'oversized' : 'protocol';
}

/** What a socket's error was, as a board process passes it to its parent. */
export interface SocketErrorReport {
  readonly code?: string;
  readonly message: string;
}

export type SocketErrorReporter = (endpoint: string, error: unknown, context?: Record<string, unknown>) => void;

/**
 * Reports errors of established WebSockets. A refused frame is the client's fault and any system
 * can send them in bulk: it is counted (`lt_websocket_frames_refused_total`) and logged at warn,
 * at most once per endpoint and reason every `intervalMs`, with how many were left out meanwhile.
 * Anything else is the server's own failure and logged at error.
 */
export function createSocketErrorReporter(deps: {
  logger: Logger;
  metrics: Metrics;
  intervalMs?: number;
  clock?: () => number;
}): SocketErrorReporter {
  const intervalMs = deps.intervalMs ?? 60_000;
  const now = deps.clock ?? Date.now;
  const logged = new Map<string, { at: number; suppressed: number }>();
  return (endpoint, error, context = {}) => {
    const reason = frameRefusalOf(error);
    if (!reason) {
      deps.logger.error({ err: error, endpoint, ...context }, 'websocket failed');
      return;
    }
    deps.metrics.websocketFramesRefused.inc({ endpoint, reason });
    const key = `${endpoint} ${reason}`;
    const last = logged.get(key);
    if (last && now() - last.at < intervalMs) {
      last.suppressed++;
      return;
    }
    logged.set(key, { at: now(), suppressed: 0 });
    const { code, message } = error as { code: string; message: string };
    deps.logger.warn(
      { endpoint, reason, code, detail: message, ...context, ...(last?.suppressed ? { suppressed: last.suppressed } : {}) },
      'websocket frame refused; the socket is closed',
    );
  };
}

/**
 * `@fastify/websocket`'s error handler: its default logs every error at error level (a flood of
 * oversized frames floods the error log) and cuts the socket, even when `ws` is closing it with
 * the code that tells the client why.
 */
export function socketErrorHandler(report: SocketErrorReporter) {
  return (error: Error, socket: { terminate(): void }, request: FastifyRequest): void => {
    report(request.routeOptions.url ?? request.url.split('?')[0]!, error, { correlationId: String(request.id) });
    if (!frameRefusalOf(error)) socket.terminate();
  };
}
