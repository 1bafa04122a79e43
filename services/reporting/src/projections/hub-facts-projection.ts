import type { RecordedEvent } from '@lienthong/event-store';
import { statement, type Database, type Projection } from '@lienthong/projections';
import { DOSSIER_STREAM_PREFIX, isResolved, type DossierEvent } from '@lienthong/dossier-contract';
import type { HubIndicator } from '../domain/definition-deciders.js';

/**
 * The hub's own facts for its computed indicators, kept as of every moment: each dossier event
 * adds a row with the dossier's state after it (agency, channel, receipt, legal due date, pause,
 * resolution) at the event's time, so the numbers of a window are read as the hub knew them when
 * the window ended, however late the report is run. Documents: who sent what, signed how, to whom.
 * The dossier rows follow the dossiers' queue read model field for field, so that for a window
 * nothing was recorded after, the numbers are those of `GET /v1/reports/dossiers`.
 */
export const hubFactsProjection: Projection = {
  name: 'reporting-hub-facts',
  version: 2,
  streamPrefixes: [DOSSIER_STREAM_PREFIX, 'document-'],
  init(db) {
    db.exec(`
      CREATE TABLE dossier_states (seq INTEGER PRIMARY KEY, code TEXT NOT NULL, at TEXT NOT NULL, agency_id TEXT NOT NULL,
        channel TEXT NOT NULL, received_at TEXT NOT NULL, legal_due_at TEXT NOT NULL, paused INTEGER NOT NULL, paused_at TEXT, resolved_at TEXT);
      CREATE INDEX dossier_states_code ON dossier_states (code, at);
      CREATE INDEX dossier_states_at ON dossier_states (at);
      CREATE TABLE documents (document_id TEXT PRIMARY KEY, sender TEXT NOT NULL, signature TEXT NOT NULL, at TEXT NOT NULL);
      CREATE INDEX documents_sender ON documents (sender, at);
      CREATE TABLE document_recipients (document_id TEXT NOT NULL, organ_id TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (document_id, organ_id));
      CREATE INDEX document_recipients_organ ON document_recipients (organ_id, at);`);
  },
  apply(db: Database, recorded: RecordedEvent) {
    const at = recorded.metadata.at;
    if (recorded.stream.startsWith('document-')) {
      if (recorded.type !== 'DocumentSubmitted') return;
      const d = recorded.data as {
        documentId: string;
        sender: { organId: string };
        signature: { status: string };
        recipients: { organId: string }[];
      };
      statement(db, 'INSERT OR IGNORE INTO documents (document_id, sender, signature, at) VALUES (?, ?, ?, ?)').run(
        d.documentId,
        d.sender.organId,
        d.signature.status,
        at,
      );
      for (const r of d.recipients)
        statement(db, 'INSERT OR IGNORE INTO document_recipients (document_id, organ_id, at) VALUES (?, ?, ?)').run(
          d.documentId,
          r.organId,
          at,
        );
      return;
    }
    const e = { type: recorded.type, data: recorded.data } as DossierEvent;
    const code = e.data.dossierCode;
    let row: {
      agency_id: string;
      channel: string;
      received_at: string;
      legal_due_at: string;
      paused: number;
      paused_at: string | null;
      resolved_at: string | null;
    };
    if (e.type === 'DossierReceived') {
      row = {
        agency_id: e.data.agencyId,
        channel: e.data.channel,
        received_at: e.data.receivedAt,
        legal_due_at: e.data.legalDueAt,
        paused: 0,
        paused_at: null,
        resolved_at: null,
      };
    } else {
      const prev = statement(db, 'SELECT * FROM dossier_states WHERE code = ? ORDER BY seq DESC LIMIT 1').get(code) as
        typeof row | undefined;
      if (!prev) return;
      row = { ...prev, agency_id: e.data.agencyId };
      if (e.type === 'DossierSupplementRequested') row = { ...row, paused: 1, paused_at: e.data.pausedAt };
      if (e.type === 'DossierSupplemented') row = { ...row, paused: 0, paused_at: null, legal_due_at: e.data.legalDueAt };
      // an online dossier's legal clock starts at its acceptance
      if (e.type === 'DossierAccepted' && e.data.legalDueAt !== undefined) row = { ...row, legal_due_at: e.data.legalDueAt };
      if (row.resolved_at === null && isResolved(e.data.status)) row = { ...row, resolved_at: at };
    }
    statement(
      db,
      `INSERT INTO dossier_states (code, at, agency_id, channel, received_at, legal_due_at, paused, paused_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(code, at, row.agency_id, row.channel, row.received_at, row.legal_due_at, row.paused, row.paused_at, row.resolved_at);
  },
};

const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100);

/**
 * The hub indicators of a set of agencies over `[from, to)`, as recorded before `to` (and before
 * `now`, when the window has not ended): the dossiers report's rules (received, resolved on time
 * or late against the legal due date, pending overdue unless paused before its due date), the
 * share of online receipts, documents sent and received and the share of those sent validly signed.
 */
export function hubValues(db: Database, agencyIds: readonly string[], from: Date, to: Date, now: Date): Record<HubIndicator, number> {
  const asOf = new Date(Math.min(to.getTime(), now.getTime())).toISOString();
  const params = { from: from.toISOString(), to: to.toISOString(), asOf, agencies: JSON.stringify(agencyIds) };
  const d = statement(
    db,
    `WITH latest AS (SELECT code, max(seq) AS seq FROM dossier_states WHERE at < @asOf GROUP BY code),
          s AS (SELECT d.* FROM latest l JOIN dossier_states d ON d.seq = l.seq
                WHERE d.agency_id IN (SELECT value FROM json_each(@agencies)))
     SELECT
       SUM(received_at >= @from AND received_at < @to) AS received,
       SUM(received_at >= @from AND received_at < @to AND channel = 'online') AS online,
       SUM(resolved_at >= @from AND resolved_at < @to AND resolved_at <= legal_due_at) AS on_time,
       SUM(resolved_at >= @from AND resolved_at < @to AND resolved_at > legal_due_at) AS late,
       SUM(received_at < @to AND (resolved_at IS NULL OR resolved_at >= @to) AND legal_due_at < @asOf
           AND NOT (paused = 1 AND paused_at <= legal_due_at)) AS pending_overdue
     FROM s`,
  ).get(params) as Record<string, number | null>;
  const doc = statement(
    db,
    `SELECT
       (SELECT count(*) FROM documents WHERE at >= @from AND at < @asOf AND sender IN (SELECT value FROM json_each(@agencies))) AS sent,
       (SELECT count(*) FROM documents WHERE at >= @from AND at < @asOf AND sender IN (SELECT value FROM json_each(@agencies)) AND signature = 'valid') AS signed,
       (SELECT count(*) FROM document_recipients WHERE at >= @from AND at < @asOf AND organ_id IN (SELECT value FROM json_each(@agencies))) AS received`,
  ).get(params) as { sent: number; signed: number; received: number };
  const n = (k: string) => d[k] ?? 0;
  return {
    'dossiers.received': n('received'),
    'dossiers.resolvedOnTime': n('on_time'),
    'dossiers.resolvedLate': n('late'),
    'dossiers.pendingOverdue': n('pending_overdue'),
    'dossiers.onlineShare': pct(n('online'), n('received')),
    'documents.sent': doc.sent,
    'documents.received': doc.received,
    'documents.signedValidShare': pct(doc.signed, doc.sent),
  };
}
