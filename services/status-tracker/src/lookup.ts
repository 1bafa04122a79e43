import { createHash } from 'node:crypto';
import { STATUS_CODES, STATUS_LABELS, clockAt, isOverdue as overdueByContract, type DossierStatus } from '@lienthong/dossier-contract';
import type { TrackedDossier, TrackerView } from './projections/tracker-view.js';

/** What a citizen sees for a dossier: no personal data beyond the masked name. */
export interface TrackAnswer {
  readonly dossierCode: string;
  readonly procedure: { readonly code: string; readonly name: string };
  readonly status: DossierStatus;
  readonly statusCode: number;
  readonly statusLabel: string;
  readonly receivedAt: string;
  /** The appointment (moved by supplement pauses and apologies). */
  readonly dueAt: string;
  /** The current appointment passed while the dossier was still running. */
  readonly overdue: boolean;
  /** Resolved (or, while running, still) within the legal time limit; see `onTime`. */
  readonly onTime: boolean;
  readonly applicant: string | null;
  readonly history: readonly { status: DossierStatus; statusCode: number; statusLabel: string; at: string }[];
}

/** The contract's overdue rule on the tracker's row (the scheduler's flag is `overdueFlag` here). */
export function isOverdue(d: Pick<TrackedDossier, 'status' | 'overdueFlag' | 'dueAt' | 'pausedAt'>, now: Date): boolean {
  return overdueByContract({ status: d.status, dueAt: d.dueAt, overdue: d.overdueFlag, pausedAt: d.pausedAt }, now);
}

/**
 * On time by law: a resolved dossier when it was resolved at or before `legalDueAt`; a running
 * one while its clock has not passed `legalDueAt`. An apology moves the appointment, not the law.
 */
export function isOnTime(d: TrackedDossier, now: Date): boolean {
  const legal = Date.parse(d.legalDueAt);
  if (d.resolvedAt) return Date.parse(d.resolvedAt) <= legal;
  return clockAt(d, now) <= legal;
}

export function toAnswer(d: TrackedDossier, history: readonly { status: DossierStatus; at: string }[], now: Date): TrackAnswer {
  return {
    dossierCode: d.dossierCode,
    procedure: { code: d.procedureCode, name: d.procedureName },
    status: d.status,
    statusCode: STATUS_CODES[d.status],
    statusLabel: STATUS_LABELS[d.status],
    receivedAt: d.receivedAt,
    dueAt: d.dueAt,
    overdue: isOverdue(d, now),
    onTime: isOnTime(d, now),
    applicant: d.maskedName,
    history: history.map((h) => ({ status: h.status, statusCode: STATUS_CODES[h.status], statusLabel: STATUS_LABELS[h.status], at: h.at })),
  };
}

/** Strong validator over the exact bytes answered. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body, 'utf8').digest('base64url').slice(0, 32)}"`;
}

/** `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/** 32 zero bytes: compared against when the code is unknown, so both failures cost one HMAC. */
const NO_HASH = '0'.repeat(64);

/** The answer as sent: its exact bytes and their validator. */
export interface RenderedAnswer {
  readonly body: string;
  readonly etag: string;
}

/**
 * When the answer changes without an event: the dossier's clock crossing its appointment
 * (`overdue`) or its legal due date (`onTime`). Resolved or paused dossiers have no such instant.
 */
function nextTimeChange(d: TrackedDossier, now: number): number {
  if (d.resolvedAt || d.pausedAt) return Number.POSITIVE_INFINITY;
  const future = [Date.parse(d.dueAt), Date.parse(d.legalDueAt)].filter((at) => at >= now);
  return future.length > 0 ? Math.min(...future) : Number.POSITIVE_INFINITY;
}

/** A dossier's rendered answer with what it was made from. */
interface CachedAnswer extends RenderedAnswer {
  readonly pinHash: string;
  readonly validUntil: number;
}

/** The citizens' lookup by code and PIN. */
export interface Lookup {
  /** The answer for a dossier and its PIN, or null for an unknown code or a wrong PIN (alike). */
  answer(code: string, pin: string): RenderedAnswer | null;
  /** The read model changed this dossier (called once that change is committed). */
  forget(code: string): void;
}

/**
 * Finds a dossier by code and PIN; unknown code and wrong PIN both return null after one keyed
 * hash and one constant-time compare. A verified answer is rendered once and kept, with the
 * PIN's keyed hash, in a bounded cache that the read model empties for a dossier once one of
 * its events is committed (`forget`, from the runner's afterCommit), and wholesale when a
 * rebuild swaps the read model in.
 * A poll of a cached dossier therefore costs no read at all; the PIN is still checked every time.
 * (A cached code answers a few microseconds sooner than an uncached or unknown one; guessing
 * over the network at that resolution is what the failure rate limit stops.)
 */
export function createLookup(deps: {
  view: TrackerView;
  verifyPin: (code: string, pin: string, hash: string) => boolean;
  clock: () => Date;
  cacheSize?: number;
}): Lookup {
  const cacheSize = deps.cacheSize ?? 10_000;
  const cache = new Map<string, CachedAnswer>();
  let source = deps.view.source();
  return {
    answer(code: string, pin: string): RenderedAnswer | null {
      if (deps.view.source() !== source) {
        cache.clear();
        source = deps.view.source();
      }
      const now = deps.clock();
      const hit = cache.get(code);
      if (hit && now.getTime() < hit.validUntil) return deps.verifyPin(code, pin, hit.pinHash) ? hit : null;
      const found = deps.view.find(code);
      const ok = deps.verifyPin(code, pin, found?.pinHash ?? NO_HASH);
      if (!found || !ok) return null;
      const body = JSON.stringify(toAnswer(found, deps.view.history(code), now));
      const rendered: CachedAnswer = { body, etag: etagOf(body), pinHash: found.pinHash, validUntil: nextTimeChange(found, now.getTime()) };
      cache.delete(code);
      cache.set(code, rendered);
      if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
      return rendered;
    },
    forget(code: string): void {
      cache.delete(code);
    },
  };
}
