import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Why a signed token or a ticket is refused. */
export const TicketRefusals = {
  malformed: 'the ticket is malformed',
  'other-use': 'the ticket was issued for another use',
  forged: 'the ticket signature does not verify (forged, or from another deployment)',
  expired: 'the ticket has expired',
  used: 'the ticket was already used',
} as const;
export type TicketRefusal = keyof typeof TicketRefusals;

/** A token's grant, or why it is refused (`detail` reads as a problem's detail). */
export type TicketCheck<G> =
  | { readonly ok: true; readonly grant: G; readonly expiresAt: string }
  | { readonly ok: false; readonly reason: TicketRefusal; readonly detail: string };

/** Tokens that carry a grant and an expiry, signed for one use of one deployment (not remembered: valid until they expire). */
export interface SignedTokens<G> {
  /** The label the key is derived for (`board-ticket`, `reporting-ticket`, …). */
  readonly use: string;
  sign(grant: G, ttlMs: number): { token: string; expiresAt: string };
  open(token: string): TicketCheck<G>;
}

/** Single-use tickets: signed tokens, each taken once per process until it expires. */
export interface TicketStore<G> {
  issue(grant: G): { ticket: string; expiresAt: string };
  /** The grant, once per process; otherwise why not. */
  consume(ticket: string): TicketCheck<G>;
  /** Used tickets remembered (until they expire). */
  readonly size: number;
}

export interface SignedTokensOptions {
  /** The label the key is derived for: tokens of one use never open another's. */
  readonly use: string;
  /** A secret every process of the deployment shares (a file of `LT_SECRETS_DIR`). */
  readonly secret: Buffer;
  readonly clock?: () => number;
}

const MAX_TOKEN = 4096;
const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload, 'utf8').digest();
const refuse = (reason: TicketRefusal, detail: string = TicketRefusals[reason]) => ({ ok: false, reason, detail }) as const;

/**
 * Tokens `<payload>.<HMAC-SHA256>`, both base64url; the payload is `{use, grant, expires, nonce}`.
 * The key is HMAC-SHA256(secret, use): every process of the deployment derives the same one, so a
 * token issued by one replica opens on any other, and a token of one use never verifies for another.
 */
export function createSignedTokens<G>(options: SignedTokensOptions): SignedTokens<G> {
  const now = options.clock ?? Date.now;
  const key = createHmac('sha256', options.secret).update(options.use, 'utf8').digest();
  return {
    use: options.use,
    sign(grant, ttlMs) {
      const expires = now() + ttlMs;
      const body = { use: options.use, grant, expires, nonce: randomBytes(16).toString('base64url') };
      const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
      return { token: `${payload}.${mac(key, payload).toString('base64url')}`, expiresAt: new Date(expires).toISOString() };
    },
    open(token) {
      const [payload, signature, ...rest] = token.length <= MAX_TOKEN ? token.split('.') : [];
      if (!payload || !signature || rest.length > 0) return refuse('malformed');
      let body: { use?: unknown; grant?: G; expires?: unknown };
      try {
        body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof body;
      } catch {
        return refuse('malformed');
      }
      if (typeof body !== 'object' || body === null) return refuse('malformed');
      // named before the signature is checked: the label says nothing secret, and helps whoever holds the wrong one
      if (body.use !== options.use)
        return refuse(
          'other-use',
          `the ticket was issued for ${typeof body.use === 'string' ? body.use.slice(0, 40) : 'another use'}, not ${options.use}`,
        );
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(key, payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse('forged');
      if (typeof body.expires !== 'number' || body.grant === undefined) return refuse('malformed');
      if (body.expires <= now()) return refuse('expired');
      return { ok: true, grant: body.grant, expiresAt: new Date(body.expires).toISOString() };
    },
  };
}

/**
 * Short-lived single-use tickets for browsers, which cannot send a bearer header on a WebSocket
 * or in an address. A ticket is a signed token (`createSignedTokens`). Used tickets are remembered
 * by their SHA-256 until they expire, in the memory of the process that took them: single use per
 * replica (with N replicas, at most N uses within the ticket's life, each still refused once its
 * credentials are revoked). The memory is bounded, so a flood cannot grow it forever.
 */
export function createTicketStore<G>(options: SignedTokensOptions & { readonly ttlMs: number; readonly max?: number }): TicketStore<G> {
  const now = options.clock ?? Date.now;
  const max = options.max ?? 100_000;
  const tokens = createSignedTokens<G>(options);
  const used = new Map<string, number>();
  const sweep = () => {
    const t = now();
    for (const [key, expires] of used) if (expires <= t) used.delete(key);
    // Insertion order is use order: past the bound, the oldest go first.
    for (const key of used.keys()) {
      if (used.size < max) break;
      used.delete(key);
    }
  };
  return {
    issue(grant) {
      const { token, expiresAt } = tokens.sign(grant, options.ttlMs);
      return { ticket: token, expiresAt };
    },
    consume(ticket) {
      const check = tokens.open(ticket);
      if (!check.ok) return check;
      const key = createHash('sha256').update(ticket, 'utf8').digest('hex');
      if (used.has(key)) return refuse('used');
      sweep();
      used.set(key, Date.parse(check.expiresAt));
      return check;
    },
    get size() {
      return used.size;
    },
  };
}
