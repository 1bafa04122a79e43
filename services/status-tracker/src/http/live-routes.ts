import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DirectoryView } from '@lienthong/directory';
import { endSocket, type SessionGuard } from '@lienthong/platform';
import { AppError, forbidden, unprocessable, validationError, type Principal } from '@lienthong/service-kit';
import type { LiveBoard } from '../live/live-board.js';
import type { TicketStore } from '../live/tickets.js';

export interface LiveRoutesDeps {
  readonly board: LiveBoard;
  readonly tickets: TicketStore;
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

/** `POST /v1/track/tickets` and the WebSocket `GET /v1/track/live`. */
export async function liveRoutes(app: FastifyInstance, deps: LiveRoutesDeps): Promise<void> {
  const grantOfRequest = new WeakMap<FastifyRequest, { agencyId: string; principal: Principal }>();

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
      return reply.code(201).header('cache-control', 'no-store').send({ ...issued, agencyId });
    },
  );

  app.get<{ Querystring: { agencyId?: string; ticket?: string } }>(
    '/v1/track/live',
    {
      websocket: true,
      // public at the platform level: a browser brings a ticket, not a header; checked below
      config: { auth: 'public' },
      // refused before the upgrade, as plain 401/403
      preHandler: async (request) => {
        const { ticket, agencyId } = request.query;
        if (ticket !== undefined) {
          const grant = deps.tickets.consume(ticket);
          if (!grant) throw new AppError('LT_UNAUTHENTICATED', 'unknown, used or expired ticket');
          // the ticket is only as good as the token it was asked with
          if (!deps.directory.sessionValid(grant.principal)) throw new AppError('LT_UNAUTHENTICATED', 'the credentials this ticket was issued to are revoked or rotated');
          if (agencyId !== undefined && deps.directory.resolveOrganId(agencyId) !== grant.agencyId)
            throw forbidden('the ticket is for another agency');
          grantOfRequest.set(request, grant);
          return;
        }
        grantOfRequest.set(request, { agencyId: boardAgencyOf(request.principal, agencyId, deps.directory), principal: request.principal });
      },
      schema: {
        tags,
        summary: 'WebSocket: the agency\'s open dossiers, then every change of them, live',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { agencyId: agencyIdSchema, ticket: { type: 'string', minLength: 1, maxLength: 128 } },
        },
      },
    },
    (socket, request) => {
      const grant = grantOfRequest.get(request);
      if (grant === undefined) {
        socket.close(1008, 'not authorised');
        return;
      }
      const untrack = deps.sessions.track({ principal: grant.principal, endpoint: '/v1/track/live', end: () => endSocket(socket) });
      socket.once('close', untrack);
      deps.board.attach(socket, grant.agencyId, () => deps.snapshot(grant.agencyId));
    },
  );
}
