import type { RecordedEvent } from '@lienthong/event-store';
import { statement, type Database, type Projection } from '@lienthong/projections';
import { connectorDecider, type ConnectorState } from '../domain/connector-decider.js';
import { CONNECTOR_STREAM_PREFIX, type ConnectorEvent } from '../domain/events.js';

/** A connector as the registry read model holds it: its folded state and the revision folded up to. */
export interface RegistryEntry {
  readonly connectorId: string;
  readonly state: ConnectorState;
  readonly revision: number;
}

export function toConnectorEvent(e: RecordedEvent): ConnectorEvent {
  return { type: e.type, data: e.data } as ConnectorEvent;
}

/**
 * The connector registry (read model `connectors-registry`): one row per connector, its state
 * folded by the decider's own `evolve` and the revision it reached. The engine starts from it, so
 * its start costs one row per connector however long the streams have grown (a checkpoint event a
 * second while delivering). An event at or below a row's revision is skipped (applied once).
 */
export const registryProjection: Projection = {
  name: 'connectors-registry',
  version: 1,
  streamPrefixes: [CONNECTOR_STREAM_PREFIX],
  init(db) {
    db.exec(`CREATE TABLE connectors (connector_id TEXT PRIMARY KEY, state TEXT NOT NULL, revision INTEGER NOT NULL) WITHOUT ROWID`);
  },
  apply(db, event) {
    const connectorId = event.stream.slice(CONNECTOR_STREAM_PREFIX.length);
    const row = statement<[string], { state: string; revision: number }>(
      db,
      'SELECT state, revision FROM connectors WHERE connector_id = ?',
    ).get(connectorId);
    if (row && row.revision >= event.revision) return;
    const state = row ? (JSON.parse(row.state) as ConnectorState) : connectorDecider.initialState();
    const next = connectorDecider.evolve(state, toConnectorEvent(event));
    statement(
      db,
      'INSERT INTO connectors (connector_id, state, revision) VALUES (?, ?, ?) ON CONFLICT (connector_id) DO UPDATE SET state = excluded.state, revision = excluded.revision',
    ).run(connectorId, JSON.stringify(next), event.revision);
  },
};

/** Every connector in the registry read model (deleted ones included: their row says so). */
export function readRegistry(db: Database): RegistryEntry[] {
  return statement<[], { connector_id: string; state: string; revision: number }>(
    db,
    'SELECT connector_id, state, revision FROM connectors',
  )
    .all()
    .map((r) => ({ connectorId: r.connector_id, state: JSON.parse(r.state) as ConnectorState, revision: r.revision }));
}
