import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { isDomainError } from '@lienthong/decider';
import type { DirectoryView } from '@lienthong/directory';
import { endSocket, type SessionGuard } from '@lienthong/platform';
import { commandContext, isAppError, toAppError, type Logger, type Metrics } from '@lienthong/service-kit';
import { organsOf, type DocumentService, type SystemPrincipal } from '../document-service.js';
import type { DeliveryView } from '../projections/routing-projection.js';
import type { DeliveryFanOut } from './delivery-fan-out.js';
import { parseStreamMessage } from './stream-messages.js';

/** A delivery as the inbox and the stream show it. */
export function deliveryWire(d: DeliveryView) {
  return {
    deliveryId: d.deliveryId,
    kind: d.kind,
    documentId: d.documentId,
    ...(d.statusId ? { statusId: d.statusId, statusCode: d.statusCode } : {}),
    from: d.from,
    to: d.to,
    subject: d.subject,
    createdAt: d.createdAt,
    contentUrl: `/v1/deliveries/${d.deliveryId}/content`,
  };
}

/** The `/v1/stream` sockets of a process. */
export interface DeliveryStream {
  /** Serves one authenticated socket: its backlog, then each new delivery; acks over the socket. */
  open(socket: WebSocket, request: FastifyRequest<{ Querystring: { organId?: string } }>, principal: SystemPrincipal): void;
  /** Open sockets (for metrics). */
  readonly size: number;
  /** Closes every socket (1001) when the process stops. */
  close(): void;
}

const BACKLOG_PAGE = 500;
/** Refused messages a socket may send in a window before it is closed (1008). */
const MAX_REFUSALS = 100;
const REFUSALS_WINDOW_MS = 60_000;

/**
 * `GET /v1/stream`: on connect, every pending delivery of the asked organisations; then each new
 * one as the read model records it. Acks come over the socket or HTTP; whatever is not acked is
 * pushed again on the next connection, since it is still pending. New deliveries come through
 * `deliveries` (the read model publishes there after commit).
 */
export function createDeliveryStream(deps: {
  deliveries: DeliveryFanOut;
  service: DocumentService;
  directory: DirectoryView;
  sessions: SessionGuard;
  logger: Logger;
  metrics: Metrics;
}): DeliveryStream {
  const { service } = deps;
  const sockets = new Set<WebSocket>();

  function open(socket: WebSocket, request: FastifyRequest<{ Querystring: { organId?: string } }>, principal: SystemPrincipal): void {
    const organs = organsOf(principal, request.query.organId, deps.directory);
    const sent = new Set<string>();
    // The frames of one turn of the event loop (the deliveries of one read-model commit, the
    // answers to one group commit of acks) leave in one write: corked until the turn is over.
    const connection = request.raw.socket;
    let corked = false;
    const uncork = () => {
      corked = false;
      connection.uncork();
    };
    const send = (message: unknown) => {
      if (socket.readyState !== socket.OPEN) return;
      if (!corked) {
        corked = true;
        connection.cork();
        setImmediate(uncork);
      }
      socket.send(JSON.stringify(message));
    };
    const push = (delivery: DeliveryView) => {
      if (sent.has(delivery.deliveryId)) return;
      sent.add(delivery.deliveryId);
      send({ type: 'delivery', delivery: deliveryWire(delivery) });
    };
    // 1. listen first, then send the backlog: `sent` drops what both would send
    const unsubscribe = deps.deliveries.subscribe(organs, push);
    sockets.add(socket);
    const untrack = deps.sessions.track({ principal, endpoint: '/v1/stream', end: () => endSocket(socket) });
    socket.on('close', () => {
      untrack();
      sockets.delete(socket);
      unsubscribe();
    });
    // 2. acks over the socket: any frame gets an answer, and nothing it holds can throw past here
    const refusals = { windowStart: 0, count: 0 };
    const refuse = (error: unknown, deliveryId?: string) => {
      // answers to a flood of bad messages would pile up unread: past the bound the socket ends
      const now = Date.now();
      if (now - refusals.windowStart > REFUSALS_WINDOW_MS) Object.assign(refusals, { windowStart: now, count: 0 });
      if (++refusals.count > MAX_REFUSALS) {
        if (refusals.count === MAX_REFUSALS + 1) {
          deps.metrics.websocketsDropped.inc({ endpoint: '/v1/stream', reason: 'refused' });
          socket.close(1008, `over ${MAX_REFUSALS} refused messages in a minute`);
        }
        return;
      }
      const problem = toAppError(error);
      // A refusal (coded at the edge or by a decider) is an answer, not a failure to log.
      if (!isAppError(error) && !isDomainError(error))
        deps.logger.error({ err: error, ...(deliveryId ? { deliveryId } : {}) }, 'message over the stream failed');
      else if (problem.status === 400) deps.metrics.websocketFramesRefused.inc({ endpoint: '/v1/stream', reason: 'invalid' });
      send({
        type: 'error',
        ...(deliveryId ? { deliveryId } : {}),
        status: problem.status,
        code: problem.code,
        detail: problem.message,
        ...(problem.errors ? { errors: problem.errors } : {}),
      });
    };
    // the socket's request gives every ack its correlation id and actor: one context for them all
    const context = commandContext(request);
    socket.on('message', (raw, isBinary) => {
      // a socket being closed (its credentials revoked) acts no more
      if (socket.readyState !== socket.OPEN) return;
      try {
        const { deliveryId } = parseStreamMessage(raw, isBinary);
        service.acknowledge(deliveryId, principal, context, false).then(
          () => {
            sent.delete(deliveryId);
            send({ type: 'acked', deliveryId });
          },
          (error: unknown) => refuse(error, deliveryId),
        );
      } catch (error) {
        refuse(error);
      }
    });
    // 3. the backlog, oldest first
    let after = { position: 0, deliveryId: '' };
    for (;;) {
      const page = service.view.pending(organs, BACKLOG_PAGE, after);
      for (const d of page) push(d);
      const last = page.at(-1);
      if (!last || page.length < BACKLOG_PAGE) break;
      after = { position: last.position, deliveryId: last.deliveryId };
    }
  }

  return {
    open,
    get size(): number {
      return sockets.size;
    },
    close(): void {
      for (const s of sockets) s.close(1001, 'server stopping');
    },
  };
}
