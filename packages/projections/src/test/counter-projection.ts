import type { Database } from 'better-sqlite3';
import type { RecordedEvent } from '@lienthong/event-store';
import type { Projection } from '../types.js';

/** A projection for the runner's tests: a total per `counter-` stream, counting its applies in `calls`. */
export function counterProjection(version = 1, calls: { n: number } = { n: 0 }): Projection {
  return {
    name: 'counters',
    version,
    streamPrefixes: ['counter-'],
    init(db: Database) {
      db.exec('CREATE TABLE counters (id TEXT PRIMARY KEY, total INTEGER NOT NULL)');
    },
    apply(db: Database, event: RecordedEvent) {
      calls.n++;
      const { by } = event.data as { by: number };
      db.prepare('INSERT INTO counters VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET total = total + excluded.total').run(event.stream, by);
    },
  };
}
