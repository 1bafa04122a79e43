import { createHash } from 'node:crypto';
import { resolved, statusCode, statusLabel, type TrackedStatus } from './labels.js';
import type { TrackedDossier, TrackerView } from './projections/tracker-view.js';

/** What a citizen sees for a dossier: no personal data beyond the masked name. */
export interface TrackAnswer {
  readonly dossierCode: string;
  readonly procedure: { readonly code: string; readonly name: string };
  readonly status: TrackedStatus;
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
  readonly history: readonly { status: TrackedStatus; statusCode: number; statusLabel: string; at: string }[];
}

/** The clock stops while a supplement is awaited: compare the pause instant, not now. */
function clockAt(d: TrackedDossier, now: Date): number {
  return d.pausedAt ? Date.parse(d.pausedAt) : now.getTime();
}

export function isOverdue(d: Pick<TrackedDossier, 'status' | 'overdueFlag' | 'dueAt' | 'pausedAt'>, now: Date): boolean {
  if (resolved(d.status)) return false;
  return d.overdueFlag || Date.parse(d.dueAt) < clockAt(d as TrackedDossier, now);
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

export function toAnswer(d: TrackedDossier, history: readonly { status: TrackedStatus; at: string }[], now: Date): TrackAnswer {
  return {
    dossierCode: d.dossierCode,
    procedure: { code: d.procedureCode, name: d.procedureName },
    status: d.status,
    statusCode: statusCode(d.status),
    statusLabel: statusLabel(d.status),
    receivedAt: d.receivedAt,
    dueAt: d.dueAt,
    overdue: isOverdue(d, now),
    onTime: isOnTime(d, now),
    applicant: d.maskedName,
    history: history.map((h) => ({ status: h.status, statusCode: statusCode(h.status), statusLabel: statusLabel(h.status), at: h.at })),
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

/**
 * Finds a dossier by code and PIN. Unknown code and wrong PIN both return null after the same
 * work (one indexed read, one HMAC, one constant-time compare). A verified answer is rendered
 * once per stream revision (and clock boundary) and then served from a bounded cache, which
 * makes polling cheap; the PIN is still checked against the read model on every request.
 */
export function createLookup(deps: {
  view: TrackerView;
  verifyPin: (code: string, pin: string, hash: string) => boolean;
  clock: () => Date;
  cacheSize?: number;
}) {
  const cacheSize = deps.cacheSize ?? 10_000;
  const cache = new Map<string, RenderedAnswer & { revision: number; validUntil: number }>();
  return (code: string, pin: string): RenderedAnswer | null => {
    const found = deps.view.credentials(code);
    const ok = deps.verifyPin(code, pin, found?.pinHash ?? NO_HASH);
    if (!found || !ok) return null;
    const now = deps.clock();
    const hit = cache.get(code);
    if (hit && hit.revision === found.revision && now.getTime() < hit.validUntil) return hit;
    const dossier = deps.view.find(code);
    if (!dossier) return null;
    const body = JSON.stringify(toAnswer(dossier, deps.view.history(code), now));
    const rendered = { body, etag: etagOf(body), revision: dossier.revision, validUntil: nextTimeChange(dossier, now.getTime()) };
    cache.delete(code);
    cache.set(code, rendered);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    return rendered;
  };
}
export type Lookup = ReturnType<typeof createLookup>;
