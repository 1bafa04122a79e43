import Database from 'better-sqlite3';

/** Where a relay (or any catch-up reader) remembers the last global position it finished. */
export interface CheckpointStore {
  /** 0 when nothing was saved under this name. */
  load(name: string): Promise<number>;
  /** Never moves a checkpoint backwards. */
  save(name: string, position: number): Promise<void>;
  close(): Promise<void>;
}

/** Checkpoints in a SQLite file (WAL), e.g. `<dataDir>/relay.sqlite`; its directory must exist. */
export function createSqliteCheckpointStore(file: string): CheckpointStore {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS checkpoints (
    name       TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    updated_at TEXT NOT NULL
  )`);
  const select = db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE name = ?');
  const upsert = db.prepare(
    `INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET position = max(position, excluded.position), updated_at = excluded.updated_at`,
  );
  return {
    async load(name) {
      return select.get(name)?.position ?? 0;
    },
    async save(name, position) {
      upsert.run(name, position, new Date().toISOString());
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
