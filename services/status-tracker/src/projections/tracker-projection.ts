import type { RecordedEvent } from '@lienthong/event-store';
import type { Database, Projection } from '@lienthong/projections';
import { statement } from '@lienthong/projections';
import { DOSSIER_STREAM_PREFIX, isResolved, type DossierEvent, type DossierStatus } from '@lienthong/dossier-contract';

export const TRACKER_PROJECTION = 'status-tracker-dossiers';

/** One dossier event as the live board needs it: the state after the event, and who should hear of it. */
export interface TrackedChange {
  readonly dossierCode: string;
  /** The holder after the event. */
  readonly agencyId: string;
  /** On a transfer, the agency that passed the dossier on (its board drops the row). */
  readonly previousAgencyId: string | null;
  readonly event: DossierEvent['type'];
  readonly status: DossierStatus;
  readonly dueAt: string;
  readonly overdue: boolean;
  readonly at: string;
}

/**
 * The tracker's read model, fed by the dossiers service's events over the bus:
 * - `tracked`: one row per dossier (status, clock, the PIN's keyed hash, the masked applicant);
 * - `tracked_history`: one row per status the dossier entered, in order.
 * Every event carries the dossier's state after it, so nothing is folded here.
 * `onChange` is told of each applied event once its batch committed (the runner's `afterCommit`;
 * the module publishes them to the lookup and the board), with the read model it was written to.
 */
export function createTrackerProjection(onChange?: (change: TrackedChange, db: Database) => void): Projection<TrackedChange> {
  return {
    name: TRACKER_PROJECTION,
    version: 2,
    streamPrefixes: [DOSSIER_STREAM_PREFIX],
    init(db) {
      db.exec(`
        CREATE TABLE tracked (
          code TEXT PRIMARY KEY,
          agency_id TEXT NOT NULL,
          procedure_code TEXT NOT NULL,
          procedure_name TEXT NOT NULL,
          status TEXT NOT NULL,
          received_at TEXT NOT NULL,
          due_at TEXT NOT NULL,
          legal_due_at TEXT NOT NULL,
          overdue INTEGER NOT NULL,
          paused_at TEXT,
          resolved_at TEXT,
          pin_hash TEXT NOT NULL,
          masked_name TEXT,
          updated_at TEXT NOT NULL,
          revision INTEGER NOT NULL
        );
        CREATE INDEX tracked_open ON tracked (agency_id, due_at) WHERE resolved_at IS NULL;
        CREATE TABLE tracked_history (
          code TEXT NOT NULL,
          seq INTEGER NOT NULL,
          status TEXT NOT NULL,
          at TEXT NOT NULL,
          PRIMARY KEY (code, seq)
        ) WITHOUT ROWID;
      `);
    },
    afterCommit(changes, db) {
      for (const change of changes) onChange?.(change, db);
    },
    apply(db, recorded) {
      const event = recorded as unknown as RecordedEvent & DossierEvent;
      const at = recorded.metadata.at;
      const d = event.data;
      let previousAgencyId: string | null = null;
      if (event.type === 'DossierReceived') {
        statement(
          db,
          `INSERT INTO tracked (code, agency_id, procedure_code, procedure_name, status, received_at, due_at, legal_due_at, overdue,
             paused_at, resolved_at, pin_hash, masked_name, updated_at, revision)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)
           ON CONFLICT (code) DO NOTHING`,
        ).run(
          d.dossierCode,
          d.agencyId,
          event.data.procedureCode,
          event.data.procedureName,
          d.status,
          event.data.receivedAt,
          d.dueAt,
          event.data.legalDueAt,
          d.overdue ? 1 : 0,
          event.data.pinHash,
          event.data.applicant.maskedName ?? null,
          at,
          recorded.revision,
        );
        addHistory(db, d.dossierCode, d.status, event.data.receivedAt);
      } else {
        const row = statement(db, 'SELECT agency_id, status, resolved_at FROM tracked WHERE code = ?').get(d.dossierCode) as
          { agency_id: string; status: DossierStatus; resolved_at: string | null } | undefined;
        if (!row) return []; // a stream whose receipt this read model never saw: nothing to show
        if (row.agency_id !== d.agencyId) previousAgencyId = row.agency_id;
        statement(
          db,
          `UPDATE tracked SET agency_id = ?, status = ?, due_at = ?, overdue = ?, updated_at = ?, revision = ?,
             resolved_at = COALESCE(resolved_at, ?),
             paused_at = CASE ? WHEN 'pause' THEN ? WHEN 'resume' THEN NULL ELSE paused_at END,
             legal_due_at = COALESCE(?, legal_due_at)
           WHERE code = ?`,
        ).run(
          d.agencyId,
          d.status,
          d.dueAt,
          d.overdue ? 1 : 0,
          at,
          recorded.revision,
          isResolved(d.status) ? at : null,
          event.type === 'DossierSupplementRequested' ? 'pause' : event.type === 'DossierSupplemented' ? 'resume' : 'none',
          event.type === 'DossierSupplementRequested' ? event.data.pausedAt : null,
          event.type === 'DossierSupplemented' ? event.data.legalDueAt : null,
          d.dossierCode,
        );
        if (row.status !== d.status) addHistory(db, d.dossierCode, d.status, at);
      }
      return [
        {
          dossierCode: d.dossierCode,
          agencyId: d.agencyId,
          previousAgencyId,
          event: event.type,
          status: d.status,
          dueAt: d.dueAt,
          overdue: d.overdue,
          at,
        },
      ];
    },
  };
}

function addHistory(db: Database, code: string, status: DossierStatus, at: string): void {
  statement(
    db,
    `INSERT INTO tracked_history (code, seq, status, at)
     VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM tracked_history WHERE code = ?), ?, ?)`,
  ).run(code, code, status, at);
}
