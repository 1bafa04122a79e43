import { statement, type Database, type Projection } from '@lienthong/projections';
import type { RecordedEvent } from '@lienthong/event-store';
import { PAYMENT_REFUSAL_STREAM_PREFIX, PAYMENT_STREAM_PREFIX, type PaymentEvent } from '../domain/payment-decider.js';

/** One line of the reconciliation (đối soát): an attempt and how it ended, or a refused notification. */
export interface LedgerEntry {
  readonly at: string;
  readonly kind: 'attempt' | 'refusal';
  readonly paymentId: string | null;
  readonly attemptRef: string | null;
  readonly dossierCode: string | null;
  readonly agencyId: string | null;
  /** VND: the amount asked for an attempt, the amount claimed by a refused notification. */
  readonly amount: number | null;
  readonly status: 'pending' | 'confirmed' | 'failed' | 'refused';
  /** A refusal's reason, or why a confirmed payment did not move its dossier on. */
  readonly reason: string | null;
  readonly responseCode: string | null;
  readonly providerTransactionNo: string | null;
  readonly bankCode: string | null;
  readonly payDate: string | null;
  readonly settledAt: string | null;
  /** For a confirmed attempt: whether the dossier took it (false: staff refund or settle it). */
  readonly applied: boolean | null;
}

interface Row {
  at: string;
  kind: 'attempt' | 'refusal';
  payment_id: string | null;
  attempt_ref: string | null;
  dossier_code: string | null;
  agency_id: string | null;
  amount: number | null;
  status: LedgerEntry['status'];
  reason: string | null;
  response_code: string | null;
  transaction_no: string | null;
  bank_code: string | null;
  pay_date: string | null;
  settled_at: string | null;
  applied: number | null;
}

/** The payments' reconciliation read model: every attempt and every refused notification, by time. */
export const paymentLedgerProjection: Projection = {
  name: 'dossiers-payments',
  version: 1,
  streamPrefixes: [PAYMENT_STREAM_PREFIX, PAYMENT_REFUSAL_STREAM_PREFIX],
  init(db) {
    db.exec(`
      CREATE TABLE ledger (
        id TEXT PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, payment_id TEXT, attempt_ref TEXT, dossier_code TEXT,
        agency_id TEXT, amount INTEGER, status TEXT NOT NULL, reason TEXT, response_code TEXT, transaction_no TEXT,
        bank_code TEXT, pay_date TEXT, settled_at TEXT, applied INTEGER);
      CREATE INDEX ledger_at ON ledger (at);
      CREATE INDEX ledger_payment ON ledger (payment_id, status);
    `);
  },
  apply(db, recorded: RecordedEvent) {
    const e = { type: recorded.type, data: recorded.data } as PaymentEvent;
    const at = recorded.metadata.at;
    switch (e.type) {
      case 'PaymentRequested':
        return;
      case 'PaymentAttemptStarted': {
        statement(
          db,
          `INSERT OR IGNORE INTO ledger (id, at, kind, payment_id, attempt_ref, dossier_code, agency_id, amount, status)
           VALUES (?, ?, 'attempt', ?, ?, ?, ?, ?, 'pending')`,
        ).run(e.data.attemptRef, e.data.startedAt, e.data.paymentId, e.data.attemptRef, e.data.dossierCode, e.data.agencyId, e.data.amount);
        return;
      }
      case 'PaymentConfirmed':
      case 'PaymentFailed':
        statement(
          db,
          `UPDATE ledger SET status = ?, response_code = ?, transaction_no = ?, bank_code = ?, pay_date = ?, settled_at = ?, applied = ?
           WHERE id = ?`,
        ).run(
          e.type === 'PaymentConfirmed' ? 'confirmed' : 'failed',
          e.data.responseCode,
          e.data.providerTransactionNo,
          e.data.bankCode,
          e.data.payDate,
          at,
          e.type === 'PaymentConfirmed' ? 1 : null,
          e.data.attemptRef,
        );
        return;
      case 'PaymentNotApplied':
        statement(db, `UPDATE ledger SET applied = 0, reason = ? WHERE payment_id = ? AND status = 'confirmed'`).run(
          e.data.reason,
          e.data.paymentId,
        );
        return;
      case 'PaymentNotificationRefused':
        statement(
          db,
          `INSERT OR IGNORE INTO ledger (id, at, kind, payment_id, attempt_ref, dossier_code, agency_id, amount, status, reason, response_code)
           VALUES (?, ?, 'refusal', ?, ?, ?, ?, ?, 'refused', ?, ?)`,
        ).run(
          recorded.id,
          at,
          e.data.paymentId,
          e.data.attemptRef,
          e.data.dossierCode,
          e.data.paymentId === null ? null : (agencyOfPayment(db, e.data.paymentId) ?? null),
          e.data.amount,
          e.data.reason,
          e.data.responseCode,
        );
        return;
      default:
        return;
    }
  },
};

function agencyOfPayment(db: Database, paymentId: string): string | undefined {
  return statement<[string], { agency_id: string }>(
    db,
    `SELECT agency_id FROM ledger WHERE payment_id = ? AND agency_id IS NOT NULL LIMIT 1`,
  ).get(paymentId)?.agency_id;
}

const entryOf = (r: Row): LedgerEntry => ({
  at: r.at,
  kind: r.kind,
  paymentId: r.payment_id,
  attemptRef: r.attempt_ref,
  dossierCode: r.dossier_code,
  agencyId: r.agency_id,
  amount: r.amount,
  status: r.status,
  reason: r.reason,
  responseCode: r.response_code,
  providerTransactionNo: r.transaction_no,
  bankCode: r.bank_code,
  payDate: r.pay_date,
  settledAt: r.settled_at,
  applied: r.applied === null ? null : r.applied === 1,
});

/** The ledger's lines over [from, to) by time, of one agency (staff) or all (admin; stray refusals only there). */
export function ledgerEntries(db: Database, query: { from: Date; to: Date; agencyId: string | null; limit: number }): LedgerEntry[] {
  const rows =
    query.agencyId === null
      ? statement<[string, string, number], Row>(db, `SELECT * FROM ledger WHERE at >= ? AND at < ? ORDER BY at, id LIMIT ?`).all(
          query.from.toISOString(),
          query.to.toISOString(),
          query.limit,
        )
      : statement<[string, string, string, number], Row>(
          db,
          `SELECT * FROM ledger WHERE at >= ? AND at < ? AND agency_id = ? ORDER BY at, id LIMIT ?`,
        ).all(query.from.toISOString(), query.to.toISOString(), query.agencyId, query.limit);
  return rows.map(entryOf);
}
