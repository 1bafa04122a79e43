import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StaffRole } from '@lienthong/decider';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

/** Who is calling. */
export type Principal =
  | { readonly kind: 'admin'; readonly id: string }
  | {
      readonly kind: 'system';
      readonly id: string;
      readonly organIds: readonly string[];
      readonly requireValidSignature: boolean;
      readonly credential?: string;
    }
  | {
      readonly kind: 'staff';
      readonly id: string;
      readonly agencyId: string;
      readonly roles: readonly StaffRole[];
      readonly credential?: string;
    }
  | { readonly kind: 'public'; readonly id: 'public' };
// `credential`: the hash of the token a system or staff principal authenticated with. Long-lived
// sessions (WebSockets, board tickets) stay valid while it is the holder's current, unrevoked one.
export type PrincipalKind = Principal['kind'];

export const PUBLIC: Principal = { kind: 'public', id: 'public' };

/** What a route allows: principal kinds, or `public` for everyone including anonymous callers. */
export type AuthRequirement = 'public' | readonly Exclude<PrincipalKind, 'public'>[];

/** Looks a bearer token up (by its hash) in the directory; null when unknown. */
export type TokenResolver = (tokenHash: string) => Principal | null | Promise<Principal | null>;

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthRequirement;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

/** Tokens are 32 random bytes: a plain SHA-256 is enough to store them (nothing to brute-force). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(kind: 'system' | 'staff' | 'admin'): string {
  return `lt_${kind}_${randomBytes(32).toString('base64url')}`;
}

/** The actor recorded in event metadata. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'public' || principal.kind === 'admin' ? principal.kind : `${principal.kind}:${principal.id}`;
}

export function bearerToken(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export interface AuthOptions {
  readonly adminToken: string;
  readonly resolveToken: TokenResolver;
  /** Changes whenever a token may have stopped working (rotation, revocation): remembered principals are dropped. */
  readonly credentialsEpoch?: () => number;
}

/** Resolves a bearer token to its principal (admin bootstrap token first). */
export function createAuthenticator(options: AuthOptions) {
  const adminHash = Buffer.from(hashToken(options.adminToken), 'hex');
  // Known tokens, by the token itself, until the directory says some token stopped working
  // (then all are looked up again: revocations are rare). Unknown tokens are not remembered, so a
  // token issued a moment ago works at once. Bounded, oldest first out.
  const known = new Map<string, Principal>();
  const MAX_KNOWN = 10_000;
  let epoch = options.credentialsEpoch?.();
  return async (token: string | undefined): Promise<Principal | null> => {
    if (token === undefined) return PUBLIC;
    if (options.credentialsEpoch && options.credentialsEpoch() !== epoch) {
      known.clear();
      epoch = options.credentialsEpoch();
    }
    const cached = known.get(token);
    if (cached) return cached;
    const hash = hashToken(token);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), adminHash)) return { kind: 'admin', id: 'admin' };
    const principal = (await options.resolveToken(hash)) ?? null;
    if (principal) {
      if (known.size >= MAX_KNOWN) known.delete(known.keys().next().value!);
      known.set(token, principal);
    }
    return principal;
  };
}

/**
 * Every route declares `config.auth`; a route that does not is admin-only, so forgetting it
 * can never open a route to the public.
 */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  const authenticate = createAuthenticator(options);
  app.decorateRequest<Principal | null>('principal', null);
  app.addHook('onRequest', async (request) => {
    if (request.is404) return; // the not-found handler answers, whoever asks
    const requirement: AuthRequirement = request.routeOptions.config?.auth ?? ['admin'];
    const token = bearerToken(request);
    const principal = await authenticate(token);
    if (principal === null) throw new AppError('LT_UNAUTHENTICATED', 'unknown or revoked bearer token');
    request.principal = principal;
    if (requirement === 'public') return;
    if (principal.kind === 'public') throw new AppError('LT_UNAUTHENTICATED', 'this route needs a bearer token');
    if (!requirement.includes(principal.kind))
      throw new AppError('LT_FORBIDDEN', `this route is for ${requirement.join(' or ')}; you are ${principal.kind}`);
  });
}
