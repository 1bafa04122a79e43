import type { DossierStatus } from './status.js';

/**
 * Every dossier event carries the dossier's status after it, so a consumer (the status
 * tracker) never needs to fold: `dossierCode, agencyId, status, statusCode, dueAt, overdue`.
 * No personal data travels in clear: the applicant is a masked name plus a sealed
 * (AES-256-GCM) copy only this service can open.
 */
export interface DossierSnapshot {
  readonly dossierCode: string;
  readonly agencyId: string;
  readonly status: DossierStatus;
  readonly statusCode: number;
  readonly dueAt: string;
  readonly overdue: boolean;
}

/** A file kept in the blob store: what a citizen attached online, or a result file staff delivered. */
export interface DossierFile {
  readonly sha256: string;
  readonly name: string;
  /** Sniffed from the bytes, not taken from the name. */
  readonly mediaType: string;
  readonly size?: number;
}

export interface DossierComponent {
  readonly name: string;
  readonly copies?: number;
  /** Files attached online (SPEC §7), in the blob store. */
  readonly files?: readonly DossierFile[];
}

export type DossierReceived = {
  readonly type: 'DossierReceived';
  readonly data: DossierSnapshot & {
    readonly procedureCode: string;
    readonly procedureVersion: number;
    readonly procedureName: string;
    readonly processingDays: number;
    readonly channel: 'counter' | 'online' | 'postal';
    /** When the dossier really arrived (may be before the event for postal/offline receipt). */
    readonly receivedAt: string;
    /** Due date by law: `receivedAt` + processing days, moved later only by supplement pauses. */
    readonly legalDueAt: string;
    /** HMAC-SHA256 of `<code>:<pin>` with the service's secret; the PIN itself is never stored. */
    readonly pinHash: string;
    readonly applicant: { readonly maskedName: string };
    /** base64url(iv | tag | ciphertext) of the applicant JSON. */
    readonly applicantSealed: string;
    readonly components: readonly DossierComponent[];
    /** The keyed request (`Idempotency-Key`) this receipt answered, if any: a retry receives nothing new. */
    readonly requestId?: string;
  };
};
/** `requestId`: the keyed request (`Idempotency-Key`) the action answered, if any: a retry applies nothing. */
type Simple<T extends string, D = object> = { readonly type: T; readonly data: DossierSnapshot & D & { readonly requestId?: string } };

/** `legalDueAt`: given when the legal clock starts at acceptance (an online dossier: `dueAt` counts from valid receipt). */
export type DossierAccepted = Simple<'DossierAccepted', { readonly note: string | null; readonly legalDueAt?: string }>;
export type DossierRejected = Simple<'DossierRejected', { readonly reason: string }>;
export type DossierAssigned = Simple<'DossierAssigned', { readonly officer: string | null; readonly department: string | null }>;
export type DossierSupplementRequested = Simple<
  'DossierSupplementRequested',
  { readonly reason: string; readonly items: readonly string[]; readonly pausedAt: string }
>;
export type DossierSupplemented = Simple<
  'DossierSupplemented',
  {
    readonly components: readonly DossierComponent[];
    readonly resumedAt: string;
    readonly pausedWorkingMs: number;
    readonly legalDueAt: string;
    /** `citizen`: supplemented online with the code and PIN. */
    readonly by?: 'citizen';
  }
>;
export type DossierPaymentRequested = Simple<'DossierPaymentRequested', { readonly amount: number; readonly reason: string | null }>;
/** `paymentId`, `amount`: confirmed by an online payment provider (SPEC §7) rather than by staff. */
export type DossierPaymentConfirmed = Simple<
  'DossierPaymentConfirmed',
  { readonly note: string | null; readonly paymentId?: string; readonly amount?: number }
>;
/** `by: 'citizen'`: asked online with the code and PIN. */
export type DossierWithdrawalRequested = Simple<'DossierWithdrawalRequested', { readonly reason: string; readonly by?: 'citizen' }>;
export type DossierStopped = Simple<'DossierStopped', { readonly reason: string }>;
export type DossierCompleted = Simple<'DossierCompleted', { readonly note: string | null }>;
/** `files`: the result files staff attached, for the citizen to download online. */
export type DossierResultDelivered = Simple<
  'DossierResultDelivered',
  { readonly note: string | null; readonly files?: readonly DossierFile[] }
>;
/** Liên thông: `agencyId` (in the snapshot) is the new holder. */
export type DossierTransferred = Simple<'DossierTransferred', { readonly fromAgencyId: string; readonly reason: string | null }>;
export type DossierApologized = Simple<'DossierApologized', { readonly reason: string; readonly previousDueAt: string }>;
/** Appended once per due date by the scheduler when `dueAt` passes unresolved. */
export type DossierBecameOverdue = Simple<'DossierBecameOverdue'>;

export type DossierEvent =
  | DossierReceived
  | DossierAccepted
  | DossierRejected
  | DossierAssigned
  | DossierSupplementRequested
  | DossierSupplemented
  | DossierPaymentRequested
  | DossierPaymentConfirmed
  | DossierWithdrawalRequested
  | DossierStopped
  | DossierCompleted
  | DossierResultDelivered
  | DossierTransferred
  | DossierApologized
  | DossierBecameOverdue;

export type DossierEventType = DossierEvent['type'];

/** The stream of one dossier, `dossier-<code>`: where the events above are appended. */
export const DOSSIER_STREAM_PREFIX = 'dossier-';

export function dossierStream(dossierCode: string): string {
  return `${DOSSIER_STREAM_PREFIX}${dossierCode}`;
}
