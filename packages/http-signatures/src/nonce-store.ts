/**
 * Nonces seen per key, kept until their signature could no longer pass the `created` window: a
 * replay inside the window is refused. The SQLite store outlives restarts, so a restart does not
 * reopen the window.
 */
import Database from 'better-sqlite3';

export interface NonceStore {
  /**
   * Records a nonce of a key until `expiresAt` (ms); false when it was already recorded. May
   * answer later (a store shared by replicas, e.g. an append to an event store).
   */
  remember(keyId: string, nonce: string, expiresAt: number): boolean | Promise<boolean>;
  close(): void;
}

export function createMemoryNonceStore(now: () => number = Date.now): NonceStore {
  const seen = new Map<string, number>();
  return {
    remember(keyId, nonce, expiresAt) {
      const key = `${keyId}\u0000${nonce}`;
      const until = seen.get(key);
      if (until !== undefined && until > now()) return false;
      seen.set(key, expiresAt);
      if (seen.size > 10_000) for (const [k, v] of seen) if (v <= now()) seen.delete(k);
      return true;
    },
    close() {
      seen.clear();
    },
  };
}

/** A nonce table in a SQLite file (created if missing); expired rows are purged as it goes. */
export function createSqliteNonceStore(file: string, now: () => number = Date.now): NonceStore {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS http_signature_nonces (
    key_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (key_id, nonce)
  ) WITHOUT ROWID`);
  const purge = db.prepare('DELETE FROM http_signature_nonces WHERE expires_at <= ?');
  const insert = db.prepare('INSERT OR IGNORE INTO http_signature_nonces (key_id, nonce, expires_at) VALUES (?, ?, ?)');
  let inserts = 0;
  const remember = db.transaction((keyId: string, nonce: string, expiresAt: number): boolean => {
    if (++inserts % 1000 === 1) purge.run(now());
    return insert.run(keyId, nonce, expiresAt).changes === 1;
  });
  return {
    remember: (keyId, nonce, expiresAt) => remember(keyId, nonce, expiresAt),
    close: () => db.close(),
  };
}
