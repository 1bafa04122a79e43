/**
 * Tables of the PostgreSQL store, and how its errors map onto the port's.
 *
 * `lt_head` is one row: the newest committed position. Appends add to it in the last statement of
 * their transaction, so its row lock is held from there to COMMIT and transactions that append
 * commit one after the other in position order: a reader never sees position 11 before 10 (see
 * docs/services/event-store.md, "Positions without gaps").
 */
import { StoreUnavailableError } from './errors.js';

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS lt_head (
  id int PRIMARY KEY CHECK (id = 1),
  position bigint NOT NULL
);
INSERT INTO lt_head (id, position) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS lt_streams (
  stream text COLLATE "C" PRIMARY KEY,
  revision bigint NOT NULL DEFAULT -1,
  last_hash text NOT NULL,
  metadata text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS lt_events (
  position bigint PRIMARY KEY,
  id text NOT NULL UNIQUE,
  stream text COLLATE "C" NOT NULL,
  revision bigint NOT NULL,
  type text NOT NULL,
  data text NOT NULL,
  metadata text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream, revision)
);
CREATE INDEX IF NOT EXISTS lt_events_type ON lt_events (type, position);
`;

/** The channel appends notify on (payload: the new head position). */
export const NOTIFY_CHANNEL = 'lt_events';

export interface EventRow {
  readonly position: number;
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly prev_hash: string;
  readonly hash: string;
}

export const EVENT_COLUMNS = 'position, id, stream, revision, type, data, metadata, prev_hash, hash';

/** Connection-level failures (the server down, restarting, refusing connections). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
  return UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('57P') || code === '53300';
}

/** Worth retrying the whole transaction: serialization failure, deadlock. */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

/** A unique violation on the event id (the store-wide id index). */
export function isDuplicateId(error: unknown): boolean {
  const e = error as { code?: unknown; constraint_name?: unknown } | null;
  return e?.code === '23505' && e.constraint_name === 'lt_events_id_key';
}

export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
  return new StoreUnavailableError(`PostgreSQL event store unavailable: ${(error as Error).message}`, { cause: error });
}
