/**
 * The signature nonces a hub accepted, in the event store: one stream per (key, nonce), created
 * with "no stream" expected. The store decides atomically (SQLite's write transaction,
 * PostgreSQL's unique stream row), so a request replayed to another replica of the same store is
 * refused as it is on the one that saw it first; a restart forgets nothing.
 */
import { createHash } from 'node:crypto';
import { ExpectedRevision, isWrongExpectedRevision, type EventStore } from '@lienthong/event-store';
import type { NonceStore } from '@lienthong/http-signatures';
import { nonceStream, type NonceEvent } from './events.js';

export function eventStoreNonces(store: EventStore, actor = 'federation-receiver'): NonceStore {
  return {
    async remember(keyId, nonce, expiresAt) {
      const key = createHash('sha256').update(`${keyId}\u0000${nonce}`).digest('hex').slice(0, 32);
      const event: NonceEvent = { type: 'FederationNonceUsed', data: { keyId, nonce, expiresAt: new Date(expiresAt).toISOString() } };
      const metadata = { correlationId: key, causationId: null, actor, at: new Date().toISOString() };
      try {
        await store.append(nonceStream(key), [{ ...event, metadata }], { expectedRevision: ExpectedRevision.noStream });
        return true;
      } catch (error) {
        if (isWrongExpectedRevision(error)) return false;
        throw error;
      }
    },
    close() {},
  };
}
