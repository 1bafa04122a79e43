import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { DirectoryView } from '@lienthong/directory';
import { AppError, type Principal, type SignedTokens, type TicketCheck, type TicketStore } from '@lienthong/service-kit';

/** What a reporting ticket and the page credential carry: who asked, and the agency subtree they read (null: an admin, the whole tree). */
export interface ReportingGrant {
  readonly principal: Principal;
  readonly agencyId: string | null;
}

export interface PageLoginDeps {
  /** Single-use tickets, label `reporting-ticket`: never a board ticket. */
  readonly tickets: TicketStore<ReportingGrant>;
  /** The page credential in the cookie, label `reporting-page`: multi-use until it expires. */
  readonly pageTokens: SignedTokens<ReportingGrant>;
  readonly pageTtlMs: number;
  readonly directory: Pick<DirectoryView, 'sessionValid'>;
}

/** The page credential: HttpOnly (no script reads it), SameSite=Strict (no other site sends it), only under the reporting API. */
export const PAGE_COOKIE = 'lt_bao_cao';
const COOKIE_PATH = '/v1/reporting';
const tags = ['reporting'];
const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const scopeOf = (principal: Principal) => (principal.kind === 'staff' ? principal.agencyId : null);

/** A refused ticket or page credential: 401 naming what is wrong (`ticket`: the reason). */
function refused(check: Exclude<TicketCheck<ReportingGrant>, { ok: true }>, what: 'ticket' | 'page'): AppError {
  const detail = what === 'ticket' ? check.detail : `the page session is refused: ${check.detail.replace(/^the ticket/, 'its credential')}`;
  return new AppError('LT_UNAUTHENTICATED', detail, { extensions: { [what === 'ticket' ? 'ticket' : 'pageSession']: check.reason } });
}

function revoked(what: 'ticket' | 'page'): AppError {
  return new AppError(
    'LT_UNAUTHENTICATED',
    `the credentials this ${what === 'ticket' ? 'ticket' : 'page session'} was issued to are revoked or rotated`,
    {
      extensions: { [what === 'ticket' ? 'ticket' : 'pageSession']: 'revoked' },
    },
  );
}

const cookieOf = (request: FastifyRequest): string | undefined => {
  const header = request.headers.cookie;
  return header === undefined ? undefined : parseCookie(header)[PAGE_COOKIE];
};

/**
 * The page credential of a request: the grant its cookie carries and when it expires, checked
 * against the directory on every read (a revoked or rotated token's page stops at once); null when
 * the request has no cookie.
 */
function pageSession(
  request: FastifyRequest,
  deps: Pick<PageLoginDeps, 'pageTokens' | 'directory'>,
): { grant: ReportingGrant; expiresAt: string } | null {
  const token = cookieOf(request);
  if (token === undefined || token === '') return null;
  const check = deps.pageTokens.open(token);
  if (!check.ok) throw refused(check, 'page');
  if (!deps.directory.sessionValid(check.grant.principal)) throw revoked('page');
  return { grant: check.grant, expiresAt: check.expiresAt };
}

/**
 * A preHandler for the reporting read routes the page uses (GET only): a bearer token as before
 * (staff or admin), or else the page credential; the principal is then the one the ticket was
 * issued to, so every rule of the route holds for the page as for the token.
 */
export function staffOrPage(deps: Pick<PageLoginDeps, 'pageTokens' | 'directory'>) {
  return async (request: FastifyRequest): Promise<void> => {
    const { principal } = request;
    if (principal.kind === 'staff' || principal.kind === 'admin') return;
    if (principal.kind === 'system') throw new AppError('LT_FORBIDDEN', 'this route is for admin or staff; you are system');
    const session = pageSession(request, deps);
    if (session === null) throw new AppError('LT_UNAUTHENTICATED', 'this route needs a bearer token or the page session of /bao-cao');
    request.principal = session.grant.principal;
  };
}

/**
 * `/bao-cao` login (SPEC §9: the browser ticket as for the board): `POST /v1/reporting/tickets`
 * (bearer) → a single-use ticket; `POST /v1/reporting/session {ticket}` takes it once and sets the
 * page credential; `GET` says whose it is; `DELETE` ends it.
 */
export async function pageLoginRoutes(app: FastifyInstance, deps: PageLoginDeps): Promise<void> {
  const setCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAgeS: number) =>
    reply.header(
      'set-cookie',
      stringifySetCookie({
        name: PAGE_COOKIE,
        value,
        httpOnly: true,
        sameSite: 'strict',
        path: COOKIE_PATH,
        maxAge: maxAgeS,
        secure: request.protocol === 'https',
      }),
    );

  app.post(
    '/v1/reporting/tickets',
    {
      config: { auth: ['staff', 'admin'] },
      schema: {
        tags,
        summary: 'A single-use ticket (60 s) to open /bao-cao from a browser: /bao-cao?ticket=',
        body: { type: 'object', additionalProperties: false, properties: {} },
        response: {
          201: {
            type: 'object',
            properties: { ticket: { type: 'string' }, expiresAt: { type: 'string' }, agencyId: { type: ['string', 'null'] } },
          },
          400: problem,
          401: problem,
          403: problem,
        },
      },
    },
    async (request, reply) => {
      const agencyId = scopeOf(request.principal);
      const issued = deps.tickets.issue({ principal: request.principal, agencyId });
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...issued, agencyId });
    },
  );

  app.post<{ Body: { ticket: string } }>(
    '/v1/reporting/session',
    {
      // public at the platform level: the ticket is the credential, checked here
      config: { auth: 'public' },
      schema: {
        tags,
        summary:
          "Take a reporting ticket (once) for the page's credential: an HttpOnly, SameSite=Strict cookie for the reporting reads (GET)",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['ticket'],
          properties: { ticket: { type: 'string', minLength: 1, maxLength: 4096 } },
        },
        response: { 400: problem, 401: problem },
      },
    },
    async (request, reply) => {
      const check = deps.tickets.consume(request.body.ticket);
      if (!check.ok) throw refused(check, 'ticket');
      // the ticket is only as good as the token it was asked with
      if (!deps.directory.sessionValid(check.grant.principal)) throw revoked('ticket');
      const page = deps.pageTokens.sign(check.grant, deps.pageTtlMs);
      setCookie(request, reply, page.token, Math.floor(deps.pageTtlMs / 1000));
      return reply.header('cache-control', 'no-store').send(describe(check.grant, page.expiresAt));
    },
  );

  app.get(
    '/v1/reporting/session',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'Whose page session this browser holds, and until when (401 when none)', response: { 401: problem } },
    },
    async (request, reply) => {
      const session = pageSession(request, deps);
      if (session === null) throw new AppError('LT_UNAUTHENTICATED', 'no page session: log in with a ticket');
      return reply.header('cache-control', 'no-store').send(describe(session.grant, session.expiresAt));
    },
  );

  app.delete(
    '/v1/reporting/session',
    { config: { auth: 'public' }, schema: { tags, summary: "End this browser's page session (the cookie is cleared)" } },
    async (request, reply) => {
      setCookie(request, reply, '', 0);
      return reply.code(204).send();
    },
  );
}

function describe(grant: ReportingGrant, expiresAt: string) {
  const { principal } = grant;
  return {
    kind: principal.kind,
    ...(principal.kind === 'staff' ? { staffId: principal.id, roles: principal.roles } : {}),
    agencyId: grant.agencyId,
    expiresAt,
  };
}
