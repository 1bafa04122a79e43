import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DirectoryView } from '@lienthong/directory';
import { endSocket, type SessionGuard } from '@lienthong/platform';
import { AppError, forbidden, unprocessable, validationError, type Principal, type TicketStore } from '@lienthong/service-kit';
import type { BoardProcesses } from '../live/board-processes.js';
import type { LiveBoard } from '../live/live-board.js';

/** What a board ticket lets its holder open: one board socket for one agency. */
export interface BoardGrant {
  readonly agencyId: string;
  /** Who asked for it: the socket is theirs (and ends when their credentials are revoked). */
  readonly principal: Principal;
}

export interface LiveRoutesDeps {
  /** The sockets live in this process, or in board processes this one hands them to. */
  readonly board: LiveBoard | BoardProcesses;
  readonly tickets: TicketStore<BoardGrant>;
  readonly directory: DirectoryView;
  readonly sessions: SessionGuard;
  /** The first message of a socket: the agency's open dossiers. */
  readonly snapshot: (agencyId: string) => unknown;
}

const tags = ['status-tracker'];
const agencyIdSchema = { type: 'string', minLength: 1, maxLength: 64 } as const;

/**
 * Whose board a principal may watch: staff their own agency (the default), admins any
 * registered agency (named), nobody else.
 */
export function boardAgencyOf(principal: Principal, asked: string | undefined, directory: DirectoryView): string {
  if (principal.kind === 'public') throw new AppError('LT_UNAUTHENTICATED', 'the live board needs a staff bearer token or a ticket');
  if (principal.kind === 'system') throw forbidden('the live board is for staff of the agency');
  if (principal.kind === 'staff') {
    if (asked === undefined) return principal.agencyId;
    if (directory.resolveOrganId(asked) !== principal.agencyId) throw forbidden('staff watch the board of their own agency only');
    return principal.agencyId;
  }
  if (asked === undefined) throw validationError('agencyId is required for an admin', [{ path: 'agencyId', message: 'is required' }]);
  const organId = directory.resolveOrganId(asked);
  if (!organId) throw unprocessable(`unknown agency ${asked}`);
  return organId;
}

/** What `ws` requires of an opening handshake (RFC 6455 §4.2.1), checked before a hand-over. */
function checkHandshake(request: FastifyRequest): void {
  const { upgrade, 'sec-websocket-key': key, 'sec-websocket-version': version } = request.headers;
  const problems: Array<{ path: string; message: string }> = [];
  if (upgrade?.toLowerCase() !== 'websocket') problems.push({ path: 'upgrade', message: 'must be websocket' });
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key))
    problems.push({ path: 'sec-websocket-key', message: 'must be 16 bytes in base64' });
  if (version !== '13' && version !== '8') problems.push({ path: 'sec-websocket-version', message: 'must be 13' });
  // a request the HTTP server did not treat as an upgrade (no `Connection: Upgrade`) is not one
  if (!request.ws) problems.push({ path: 'connection', message: 'must be upgrade' });
  if (problems.length > 0) throw validationError('not a WebSocket opening handshake', problems);
}

/** `POST /v1/track/tickets` and the WebSocket `GET /v1/track/live`. */
export async function liveRoutes(app: FastifyInstance, deps: LiveRoutesDeps): Promise<void> {
  const grantOfRequest = new WeakMap<FastifyRequest, { agencyId: string; principal: Principal }>();
  // What the client sent after its upgrade request (normally nothing), kept for the hand-over;
  // first in line, before the upgrade is routed.
  const headOfUpgrade = new WeakMap<IncomingMessage, Buffer>();
  const board = deps.board;
  if (board.kind === 'processes') {
    app.server.prependListener('upgrade', (request: IncomingMessage, _socket, head: Buffer) => headOfUpgrade.set(request, head));
    // Board sockets close with the server's intake, as @fastify/websocket closes its own.
    app.addHook('preClose', async () => board.close());
  }

  /** Who opens the board, by ticket or by bearer token. */
  const grantOf = (request: FastifyRequest<{ Querystring: { agencyId?: string; ticket?: string } }>) => {
    const { ticket, agencyId } = request.query;
    if (ticket === undefined) return { agencyId: boardAgencyOf(request.principal, agencyId, deps.directory), principal: request.principal };
    const check = deps.tickets.consume(ticket);
    if (!check.ok) throw new AppError('LT_UNAUTHENTICATED', check.detail, { extensions: { ticket: check.reason } });
    const grant = check.grant;
    // the ticket is only as good as the token it was asked with
    if (!deps.directory.sessionValid(grant.principal))
      throw new AppError('LT_UNAUTHENTICATED', 'the credentials this ticket was issued to are revoked or rotated');
    if (agencyId !== undefined && deps.directory.resolveOrganId(agencyId) !== grant.agencyId)
      throw forbidden('the ticket is for another agency');
    return grant;
  };

  /** Answers an authorised upgrade in a board process: this process stops handling the request. */
  const handOff = (
    board: BoardProcesses,
    request: FastifyRequest,
    reply: FastifyReply,
    grant: { agencyId: string; principal: Principal },
  ) => {
    // Whatever can fail is done while an error can still be answered.
    const snapshot = JSON.stringify(deps.snapshot(grant.agencyId));
    let endedEarly = false;
    let handed: { end(reason: string): void } | undefined;
    const untrack = deps.sessions.track({
      principal: grant.principal,
      endpoint: '/v1/track/live',
      end: () => (handed ? handed.end('credentials revoked') : (endedEarly = true)),
    });
    if (endedEarly) {
      untrack();
      throw new AppError('LT_UNAUTHENTICATED', 'the credentials are revoked or rotated');
    }
    const connection = request.raw.socket;
    reply.hijack();
    reply.raw.detachSocket(connection);
    try {
      handed = board.handOff({
        connection,
        headers: request.raw.headers,
        head: headOfUpgrade.get(request.raw) ?? Buffer.alloc(0),
        agencyId: grant.agencyId,
        snapshot,
        onClosed: untrack,
      });
    } catch (error) {
      request.log.error({ err: error }, 'live board socket not handed over');
      connection.destroy();
      untrack();
    }
  };

  app.post<{ Body: { agencyId?: string } }>(
    '/v1/track/tickets',
    {
      config: { auth: ['staff', 'admin'] },
      schema: {
        tags,
        summary: 'A single-use ticket (60 s) to open the live board from a browser: GET /v1/track/live?ticket=',
        body: { type: 'object', additionalProperties: false, properties: { agencyId: agencyIdSchema } },
      },
    },
    async (request, reply) => {
      const agencyId = boardAgencyOf(request.principal, request.body?.agencyId, deps.directory);
      const issued = deps.tickets.issue({ agencyId, principal: request.principal });
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...issued, agencyId });
    },
  );

  app.get<{ Querystring: { agencyId?: string; ticket?: string } }>(
    '/v1/track/live',
    {
      websocket: true,
      // public at the platform level: a browser brings a ticket, not a header; checked below
      config: { auth: 'public' },
      // refused before the upgrade, as problems (400/401/403)
      preHandler: async (request, reply) => {
        checkHandshake(request);
        const grant = grantOf(request);
        if (board.kind === 'processes') handOff(board, request, reply, grant);
        else grantOfRequest.set(request, grant);
      },
      schema: {
        tags,
        summary: "WebSocket: the agency's open dossiers, then every change of them, live",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { agencyId: agencyIdSchema, ticket: { type: 'string', minLength: 1, maxLength: 2048 } },
        },
      },
    },
    (socket, request) => {
      const grant = grantOfRequest.get(request);
      if (grant === undefined || board.kind !== 'in-process') {
        socket.close(1008, 'not authorised');
        return;
      }
      const untrack = deps.sessions.track({ principal: grant.principal, endpoint: '/v1/track/live', end: () => endSocket(socket) });
      socket.once('close', untrack);
      board.attach(socket, request.raw.socket, grant.agencyId, () => JSON.stringify(deps.snapshot(grant.agencyId)));
    },
  );
}
