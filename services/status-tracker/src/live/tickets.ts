import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '@lienthong/service-kit';

/** What a ticket lets its holder open: one board socket for one agency. */
export interface TicketGrant {
  readonly agencyId: string;
  /** Who asked for it: the socket is theirs (and ends when their credentials are revoked). */
  readonly principal: Principal;
}

export interface TicketStore {
  issue(grant: TicketGrant): { ticket: string; expiresAt: string };
  /** The grant, once: the ticket is deleted whether it is valid, expired or unknown. */
  consume(ticket: string): TicketGrant | null;
  readonly size: number;
}

const hash = (ticket: string) => createHash('sha256').update(ticket, 'utf8').digest('hex');

/**
 * Short-lived single-use tickets for browsers, which cannot send a bearer header on a WebSocket.
 * Kept in memory by their SHA-256 (a dump of the map reveals no usable ticket); expired ones are
 * swept on each issue, and the map is bounded so a flood of requests cannot grow it forever.
 */
export function createTicketStore(options: { ttlMs: number; clock?: () => number; max?: number }): TicketStore {
  const now = options.clock ?? Date.now;
  const max = options.max ?? 100_000;
  const tickets = new Map<string, TicketGrant & { expires: number }>();
  const sweep = () => {
    const t = now();
    for (const [key, value] of tickets) if (value.expires <= t) tickets.delete(key);
    // Insertion order is issue order: past the bound, the oldest go first.
    for (const key of tickets.keys()) {
      if (tickets.size < max) break;
      tickets.delete(key);
    }
  };
  return {
    issue(grant) {
      sweep();
      const ticket = randomBytes(32).toString('base64url');
      const expires = now() + options.ttlMs;
      tickets.set(hash(ticket), { ...grant, expires });
      return { ticket, expiresAt: new Date(expires).toISOString() };
    },
    consume(ticket) {
      const key = hash(ticket);
      const entry = tickets.get(key);
      tickets.delete(key);
      if (!entry || entry.expires <= now()) return null;
      return { agencyId: entry.agencyId, principal: entry.principal };
    },
    get size() {
      return tickets.size;
    },
  };
}
