import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '@lienthong/service-kit';

/** What a ticket lets its holder open: one board socket for one agency. */
export interface TicketGrant {
  readonly agencyId: string;
  /** Who asked for it: the socket is theirs (and ends when their credentials are revoked). */
  readonly principal: Principal;
}

export interface TicketStore {
  issue(grant: TicketGrant): { ticket: string; expiresAt: string };
  /** The grant, once per replica; null for a used, expired, forged or malformed ticket. */
  consume(ticket: string): TicketGrant | null;
  readonly size: number;
}

const hash = (ticket: string) => createHash('sha256').update(ticket, 'utf8').digest('hex');
const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload, 'utf8').digest();

/**
 * Short-lived single-use tickets for browsers, which cannot send a bearer header on a WebSocket.
 * A ticket carries its grant and expiry, signed (HMAC-SHA256) with a key every replica of the
 * deployment derives from the shared secrets, so a ticket issued by one replica opens a board on
 * any other (behind a load balancer). Used tickets are remembered by their SHA-256 until they
 * expire, in the memory of the replica that took them: single use per replica (with N replicas, at
 * most N uses within the ticket's life, each still refused once its credentials are revoked). The
 * memory is bounded, so a flood cannot grow it forever.
 */
export function createTicketStore(options: { ttlMs: number; key: Buffer; clock?: () => number; max?: number }): TicketStore {
  const now = options.clock ?? Date.now;
  const max = options.max ?? 100_000;
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
      const expires = now() + options.ttlMs;
      const body = { agencyId: grant.agencyId, principal: grant.principal, expires, nonce: randomBytes(16).toString('base64url') };
      const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
      return { ticket: `${payload}.${mac(options.key, payload).toString('base64url')}`, expiresAt: new Date(expires).toISOString() };
    },
    consume(ticket) {
      const [payload, signature, ...rest] = ticket.length <= 2048 ? ticket.split('.') : [];
      if (payload === undefined || signature === undefined || rest.length > 0) return null;
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(options.key, payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TicketGrant & { expires: number };
      if (body.expires <= now()) return null;
      const key = hash(ticket);
      if (used.has(key)) return null;
      sweep();
      used.set(key, body.expires);
      return { agencyId: body.agencyId, principal: body.principal };
    },
    get size() {
      return used.size;
    },
  };
}
