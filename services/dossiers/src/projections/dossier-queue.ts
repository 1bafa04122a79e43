import { statement, type Database, type Projection } from '@lienthong/projections';
import type { RecordedEvent } from '@lienthong/event-store';
import { assertNever } from '@lienthong/decider';
import type { DossierEvent } from '../domain/events.js';
import { isResolved, type DossierStatus } from '@lienthong/dossier-contract';

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

function applyDossierEvent(db: Database, recorded: RecordedEvent): void {
  const e = { type: recorded.type, data: recorded.data } as DossierEvent;
  const at = recorded.metadata.at;
  if (e.type === 'DossierReceived') {
    const d = e.data;
    statement(db, `INSERT OR REPLACE INTO dossiers (code, agency_id, procedure_code, procedure_name, status, status_code, channel, masked_name,
      received_at, due_at, legal_due_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      d.dossierCode, d.agencyId, d.procedureCode, d.procedureName, d.status, d.statusCode, d.channel, d.applicant.maskedName, d.receivedAt, d.dueAt, d.legalDueAt, at, recorded.revision,
    );
    return;
  }
  const d = e.data;
  // Every event carries the snapshot: status, agency, dueAt, overdue.
  statement(db, `UPDATE dossiers SET status = ?, status_code = ?, agency_id = ?, due_at = ?, overdue = ?, updated_at = ?, revision = ?,
      resolved_at = CASE WHEN resolved_at IS NULL AND ? THEN ? ELSE resolved_at END WHERE code = ?`).run(
    d.status, d.statusCode, d.agencyId, d.dueAt, d.overdue ? 1 : 0, at, recorded.revision, isResolved(d.status as DossierStatus) ? 1 : 0, at, d.dossierCode,
  );
  switch (e.type) {
    case 'DossierSupplementRequested':
      statement(db, 'UPDATE dossiers SET paused = 1, paused_at = ? WHERE code = ?').run(e.data.pausedAt, d.dossierCode);
      return;
    case 'DossierSupplemented':
      statement(db, 'UPDATE dossiers SET paused = 0, paused_at = NULL, legal_due_at = ? WHERE code = ?').run(e.data.legalDueAt, d.dossierCode);
      return;
    case 'DossierAssigned':
      statement(db, 'UPDATE dossiers SET officer = ?, department = ? WHERE code = ?').run(e.data.officer, e.data.department, d.dossierCode);
      return;
    case 'DossierTransferred':
      statement(db, 'UPDATE dossiers SET officer = NULL, department = NULL WHERE code = ?').run(d.dossierCode);
      return;
    case 'DossierRejected':
    case 'DossierStopped':
    case 'DossierCompleted':
      statement(db, 'UPDATE dossiers SET paused = 0, paused_at = NULL WHERE code = ?').run(d.dossierCode);
      return;
    case 'DossierAccepted':
    case 'DossierPaymentRequested':
    case 'DossierPaymentConfirmed':
    case 'DossierWithdrawalRequested':
    case 'DossierResultDelivered':
    case 'DossierApologized':
    case 'DossierBecameOverdue':
      return;
    default:
      assertNever(e, 'event');
  }
}
