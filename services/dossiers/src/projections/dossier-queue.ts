import { statement, type Database, type Projection } from '@lienthong/projections';
import type { RecordedEvent } from '@lienthong/event-store';
import type { DossierEvent } from '../domain/events.js';
import { STATUS_CODES, isResolved, type DossierStatus } from '@lienthong/dossier-contract';
import { dossierDecider, evolveDossier, evolveProgress } from '../domain/dossier-decider.js';

/**
 * The counters' queue, the overdue scheduler's due index and the report, in one table: one row
 * per dossier, its current status and clock. The row follows the dossier across transfers.
 */
export const dossierQueueProjection: Projection = {
  name: 'dossiers-queue',
  version: 2,
  streamPrefixes: ['dossier-'],
  init(db) {
    db.exec(`
      CREATE TABLE dossiers (
        code TEXT PRIMARY KEY, agency_id TEXT NOT NULL, procedure_code TEXT NOT NULL, procedure_name TEXT NOT NULL,
        status TEXT NOT NULL, status_code INTEGER NOT NULL, channel TEXT NOT NULL, masked_name TEXT NOT NULL,
        received_at TEXT NOT NULL, due_at TEXT NOT NULL, legal_due_at TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0, paused_at TEXT, overdue INTEGER NOT NULL DEFAULT 0,
        officer TEXT, department TEXT, resolved_at TEXT, updated_at TEXT NOT NULL, revision INTEGER NOT NULL);
      CREATE INDEX dossiers_agency ON dossiers (agency_id, status_code, due_at);
      CREATE INDEX dossiers_due ON dossiers (due_at) WHERE resolved_at IS NULL AND paused = 0 AND overdue = 0;
      CREATE INDEX dossiers_received ON dossiers (agency_id, received_at);
      CREATE INDEX dossiers_resolved ON dossiers (agency_id, resolved_at);
    `);
  },
  apply(db, event) {
    applyDossierEvent(db, event);
  },
};

/** The row's part of the dossier's progress (`statusBeforePause` is the decider's alone). */
interface ProgressRow {
  status: DossierStatus;
  agency_id: string;
  due_at: string;
  legal_due_at: string;
  overdue: number;
  paused_at: string | null;
  officer: string | null;
  department: string | null;
}

/** The row as the decider's evolve leaves the dossier: no transition is decided twice. */
function applyDossierEvent(db: Database, recorded: RecordedEvent): void {
  const e = { type: recorded.type, data: recorded.data } as DossierEvent;
  const at = recorded.metadata.at;
  if (e.type === 'DossierReceived') {
    const s = evolveDossier(dossierDecider.initialState(), e);
    if (!s.received) throw new Error(`dossier ${e.data.dossierCode}: DossierReceived folded into no dossier`);
    statement(
      db,
      `INSERT OR REPLACE INTO dossiers (code, agency_id, procedure_code, procedure_name, status, status_code, channel, masked_name,
      received_at, due_at, legal_due_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      s.dossierCode,
      s.agencyId,
      s.procedureCode,
      s.procedureName,
      s.status,
      STATUS_CODES[s.status],
      s.channel,
      s.maskedName,
      s.receivedAt,
      s.dueAt,
      s.legalDueAt,
      at,
      recorded.revision,
    );
    return;
  }
  const code = e.data.dossierCode;
  const row = statement(
    db,
    'SELECT status, agency_id, due_at, legal_due_at, overdue, paused_at, officer, department FROM dossiers WHERE code = ?',
  ).get(code) as ProgressRow | undefined;
  if (!row) return; // a stream without its receipt has no row to follow
  const s = evolveProgress(
    {
      status: row.status,
      agencyId: row.agency_id,
      dueAt: row.due_at,
      legalDueAt: row.legal_due_at,
      overdue: row.overdue === 1,
      pausedAt: row.paused_at,
      statusBeforePause: null,
      officer: row.officer,
      department: row.department,
    },
    e,
  );
  statement(
    db,
    `UPDATE dossiers SET status = ?, status_code = ?, agency_id = ?, due_at = ?, legal_due_at = ?, overdue = ?, paused = ?, paused_at = ?,
      officer = ?, department = ?, updated_at = ?, revision = ?, resolved_at = CASE WHEN resolved_at IS NULL AND ? THEN ? ELSE resolved_at END WHERE code = ?`,
  ).run(
    s.status,
    STATUS_CODES[s.status],
    s.agencyId,
    s.dueAt,
    s.legalDueAt,
    s.overdue ? 1 : 0,
    s.pausedAt !== null ? 1 : 0,
    s.pausedAt,
    s.officer,
    s.department,
    at,
    recorded.revision,
    isResolved(s.status) ? 1 : 0,
    at,
    code,
  );
}
