import type { RecordedEvent } from '@lienthong/event-store';
import { statement, type Database, type Projection } from '@lienthong/projections';
import { aggregateValues, combineAccumulators, ownAccumulators, type Accumulators } from '../domain/aggregation.js';
import {
  REPORTING_STREAM_PREFIXES,
  type IndicatorRecord,
  type OwingAgency,
  type ReportingEvent,
  type ReportValues,
} from '../domain/events.js';

/**
 * The reporting read model: indicators and regimes (latest versions), opened periods with the
 * agencies that owe a report (the tree as it stood at opening), each report's state and values,
 * and each agency's aggregate with its lineage. An aggregate is recomputed when a report of its
 * agency changes, then its ancestors only (the path to the top), each a new revision when its
 * values, sources, missing or stale change; `aggregate_revisions` keeps every revision.
 */
export const reportingProjection: Projection = {
  name: 'reporting',
  version: 2,
  streamPrefixes: REPORTING_STREAM_PREFIXES,
  init(db) {
    db.exec(`
      CREATE TABLE indicators (code TEXT PRIMARY KEY, version INTEGER NOT NULL, record TEXT NOT NULL, published_at TEXT NOT NULL);
      CREATE TABLE regimes (code TEXT PRIMARY KEY, version INTEGER NOT NULL, record TEXT NOT NULL, first_published_at TEXT NOT NULL, published_at TEXT NOT NULL);
      CREATE TABLE periods (regime TEXT NOT NULL, period TEXT NOT NULL, data TEXT NOT NULL, indicators TEXT NOT NULL, opened_at TEXT NOT NULL,
        closed_at TEXT, PRIMARY KEY (regime, period));
      -- path: the agency's ancestors and itself, '/'-joined with a trailing '/': a subtree is one prefix range.
      CREATE TABLE period_agencies (regime TEXT NOT NULL, period TEXT NOT NULL, agency_id TEXT NOT NULL, name TEXT NOT NULL,
        level TEXT NOT NULL, parent_id TEXT, seq INTEGER NOT NULL, path TEXT NOT NULL, PRIMARY KEY (regime, period, agency_id));
      CREATE INDEX period_agencies_path ON period_agencies (regime, period, path);
      CREATE INDEX period_agencies_parent ON period_agencies (regime, period, parent_id);
      CREATE TABLE reports (regime TEXT NOT NULL, period TEXT NOT NULL, agency_id TEXT NOT NULL, state TEXT NOT NULL,
        "values" TEXT NOT NULL, revision INTEGER NOT NULL, accepted_revision INTEGER, ever_accepted INTEGER NOT NULL DEFAULT 0,
        submitted_at TEXT, on_time INTEGER, overdue INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL,
        PRIMARY KEY (regime, period, agency_id));
      CREATE TABLE aggregates (regime TEXT NOT NULL, period TEXT NOT NULL, agency_id TEXT NOT NULL, revision INTEGER NOT NULL,
        "values" TEXT NOT NULL, acc TEXT NOT NULL, accepted_acc TEXT, accepted_aggregate_revision INTEGER, sources TEXT NOT NULL,
        missing TEXT NOT NULL, stale TEXT NOT NULL, computed_at TEXT NOT NULL, PRIMARY KEY (regime, period, agency_id));
      CREATE TABLE aggregate_revisions (regime TEXT NOT NULL, period TEXT NOT NULL, agency_id TEXT NOT NULL, revision INTEGER NOT NULL,
        "values" TEXT NOT NULL, sources TEXT NOT NULL, missing TEXT NOT NULL, stale TEXT NOT NULL, computed_at TEXT NOT NULL,
        cause TEXT NOT NULL, PRIMARY KEY (regime, period, agency_id, revision));`);
  },
  apply(db: Database, recorded: RecordedEvent) {
    const event = { type: recorded.type, data: recorded.data } as ReportingEvent;
    const at = recorded.metadata.at;
    switch (event.type) {
      case 'IndicatorPublished': {
        const { code, version, at: _at, ...record } = event.data;
        indicatorCache.delete(db);
        statement(db, 'INSERT OR REPLACE INTO indicators (code, version, record, published_at) VALUES (?, ?, ?, ?)').run(
          code,
          version,
          JSON.stringify(record),
          at,
        );
        return;
      }
      case 'RegimePublished': {
        const { code, version, at: _at, ...record } = event.data;
        statement(
          db,
          `INSERT INTO regimes (code, version, record, first_published_at, published_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(code) DO UPDATE SET version = excluded.version, record = excluded.record, published_at = excluded.published_at`,
        ).run(code, version, JSON.stringify(record), at, at);
        return;
      }
      case 'PeriodOpened': {
        const d = event.data;
        statement(db, 'INSERT INTO periods (regime, period, data, indicators, opened_at) VALUES (?, ?, ?, ?, ?)').run(
          d.regime,
          d.period,
          JSON.stringify(d),
          JSON.stringify(d.indicators),
          d.openedAt,
        );
        const insert = statement(
          db,
          'INSERT INTO period_agencies (regime, period, agency_id, name, level, parent_id, seq, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        );
        const parents = new Map(d.agencies.map((a) => [a.agencyId, a.parentId]));
        const pathOf = (id: string): string => {
          const ids = [id];
          for (let p = parents.get(id) ?? null; p !== null && ids.length < 64; p = parents.get(p) ?? null) ids.unshift(p);
          return `/${ids.join('/')}/`;
        };
        d.agencies.forEach((a, i) => insert.run(d.regime, d.period, a.agencyId, a.name, a.level, a.parentId, i, pathOf(a.agencyId)));
        return;
      }
      case 'PeriodClosed':
        statement(db, 'UPDATE periods SET closed_at = ? WHERE regime = ? AND period = ?').run(
          event.data.at,
          event.data.regime,
          event.data.period,
        );
        return;
      case 'ValuesDrafted':
      case 'ReportSubmitted':
      case 'ReportAccepted':
      case 'ReportReturned':
      case 'ReportReopened':
      case 'ReportBecameOverdue': {
        const { regime, period, agencyId } = event.data;
        const row = reportRow(db, regime, period, agencyId);
        const start: Omit<ReportRow, 'revision'> = {
          state: 'not-started',
          values: {},
          submittedAt: null,
          onTime: null,
          overdue: false,
          everAccepted: false,
          acceptedRevision: null,
        };
        let { state, values, submittedAt, onTime, overdue, everAccepted, acceptedRevision } = row ?? start;
        values = { ...values };
        switch (event.type) {
          case 'ValuesDrafted':
            for (const [code, v] of Object.entries(event.data.values)) {
              if (v === null) delete values[code];
              else values[code] = v;
            }
            if (state === 'not-started') state = 'draft';
            break;
          case 'ReportSubmitted':
            state = 'submitted';
            submittedAt ??= event.data.at;
            onTime ??= event.data.onTime;
            break;
          case 'ReportAccepted':
            state = 'accepted';
            everAccepted = true;
            acceptedRevision = recorded.revision;
            break;
          case 'ReportReturned':
          case 'ReportReopened':
            state = 'returned';
            break;
          case 'ReportBecameOverdue':
            overdue = true;
            break;
        }
        statement(
          db,
          `INSERT OR REPLACE INTO reports (regime, period, agency_id, state, "values", revision, accepted_revision, ever_accepted, submitted_at, on_time, overdue, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          regime,
          period,
          agencyId,
          state,
          JSON.stringify(values),
          recorded.revision,
          acceptedRevision,
          everAccepted ? 1 : 0,
          submittedAt,
          onTime === null ? null : onTime ? 1 : 0,
          overdue ? 1 : 0,
          at,
        );
        if (event.type !== 'ReportBecameOverdue' && event.type !== 'ReportSubmitted')
          recomputeWithAncestors(db, regime, period, agencyId, at, `${event.type} ${agencyId}`);
        return;
      }
      default:
        return;
    }
  },
};

/** A row of `reports` as stored. */
export interface ReportDbRow {
  state: string;
  values: string;
  revision: number;
  accepted_revision: number | null;
  ever_accepted: number;
  submitted_at: string | null;
  on_time: number | null;
  overdue: number;
  updated_at: string;
}
interface AggregateDbRow {
  revision: number;
  values: string;
  acc: string;
  accepted_acc: string | null;
  accepted_aggregate_revision: number | null;
  sources: string;
  missing: string;
  stale: string;
  computed_at: string;
}

interface ReportRow {
  state: string;
  values: Record<string, number | string>;
  revision: number;
  acceptedRevision: number | null;
  everAccepted: boolean;
  submittedAt: string | null;
  onTime: boolean | null;
  overdue: boolean;
}
function reportRow(db: Database, regime: string, period: string, agencyId: string): ReportRow | null {
  const r = statement(db, 'SELECT * FROM reports WHERE regime = ? AND period = ? AND agency_id = ?').get(regime, period, agencyId) as
    ReportDbRow | undefined;
  if (!r) return null;
  return {
    state: r.state,
    values: JSON.parse(r.values) as Record<string, number | string>,
    revision: r.revision,
    acceptedRevision: r.accepted_revision,
    everAccepted: r.ever_accepted === 1,
    submittedAt: r.submitted_at,
    onTime: r.on_time === null ? null : r.on_time === 1,
    overdue: r.overdue === 1,
  };
}

/** Parsed indicator records of each period, per read model; dropped whenever an indicator is published. */
const indicatorCache = new WeakMap<Database, Map<string, Record<string, IndicatorRecord>>>();

/** The indicator records of a period (latest versions), by code. */
export function periodIndicators(db: Database, regime: string, period: string): Record<string, IndicatorRecord> {
  let byPeriod = indicatorCache.get(db);
  if (!byPeriod) indicatorCache.set(db, (byPeriod = new Map<string, Record<string, IndicatorRecord>>()));
  const cacheKey = `${regime}/${period}`;
  const cached = byPeriod.get(cacheKey);
  if (cached) return cached;
  const rows = statement(
    db,
    `SELECT i.code, i.record FROM periods p, json_each(p.indicators) c JOIN indicators i ON i.code = c.value
     WHERE p.regime = ? AND p.period = ? ORDER BY c.key`,
  ).all(regime, period) as { code: string; record: string }[];
  const out: Record<string, IndicatorRecord> = {};
  for (const r of rows) out[r.code] = JSON.parse(r.record) as IndicatorRecord;
  if (rows.length > 0) byPeriod.set(cacheKey, out);
  return out;
}

export interface Source {
  readonly agencyId: string;
  /** Revision of the agency's report stream (its own values; for a child, the accepted report). */
  readonly revision: number;
  /** For a child: the revision of its aggregate that was used. */
  readonly aggregateRevision?: number;
}

interface AggregateRow {
  computedAt: string;
  revision: number;
  acc: Accumulators;
  acceptedAcc: Accumulators | null;
  acceptedAggregateRevision: number | null;
  values: string;
  sources: string;
  missing: string;
  stale: string;
}
function aggregateRow(db: Database, regime: string, period: string, agencyId: string): AggregateRow | null {
  const r = statement(db, 'SELECT * FROM aggregates WHERE regime = ? AND period = ? AND agency_id = ?').get(regime, period, agencyId) as
    AggregateDbRow | undefined;
  if (!r) return null;
  return {
    revision: r.revision,
    acc: JSON.parse(r.acc) as Accumulators,
    acceptedAcc: r.accepted_acc === null ? null : (JSON.parse(r.accepted_acc) as Accumulators),
    acceptedAggregateRevision: r.accepted_aggregate_revision,
    values: r.values,
    sources: r.sources,
    missing: r.missing,
    stale: r.stale,
    computedAt: r.computed_at,
  };
}

const childrenOf = (db: Database, regime: string, period: string, agencyId: string) =>
  (
    statement(db, 'SELECT agency_id FROM period_agencies WHERE regime = ? AND period = ? AND parent_id = ? ORDER BY seq').all(
      regime,
      period,
      agencyId,
    ) as {
      agency_id: string;
    }[]
  ).map((r) => r.agency_id);
const parentOf = (db: Database, regime: string, period: string, agencyId: string) =>
  (
    statement(db, 'SELECT parent_id FROM period_agencies WHERE regime = ? AND period = ? AND agency_id = ?').get(
      regime,
      period,
      agencyId,
    ) as { parent_id: string | null } | undefined
  )?.parent_id ?? null;

/**
 * Recomputes one agency's aggregate from its own values and its children's stored aggregates
 * (accepted ones; a child reopened after acceptance stands with its last accepted numbers, named
 * stale); a new revision only when something changed. Returns whether it did.
 */
export function recomputeAggregate(
  db: Database,
  regime: string,
  period: string,
  agencyId: string,
  at: string,
  cause: string,
  indicators: Readonly<Record<string, IndicatorRecord>> = periodIndicators(db, regime, period),
): boolean {
  const report = reportRow(db, regime, period, agencyId);
  const own: ReportValues = report?.values ?? {};
  const parts: Accumulators[] = [ownAccumulators(own)];
  const sources: Source[] = report ? [{ agencyId, revision: report.revision }] : [];
  const missing: string[] = [];
  const stale: string[] = [];
  for (const child of childrenOf(db, regime, period, agencyId)) {
    const childReport = reportRow(db, regime, period, child);
    const childAggregate = aggregateRow(db, regime, period, child);
    if (childReport?.state === 'accepted' && childAggregate) {
      parts.push(childAggregate.acc);
      sources.push({
        agencyId: child,
        revision: childReport.acceptedRevision ?? childReport.revision,
        aggregateRevision: childAggregate.revision,
      });
    } else if (childReport?.everAccepted && childAggregate?.acceptedAcc) {
      parts.push(childAggregate.acceptedAcc);
      sources.push({
        agencyId: child,
        revision: childReport.acceptedRevision ?? childReport.revision,
        aggregateRevision: childAggregate.acceptedAggregateRevision ?? 0,
      });
      stale.push(child);
    } else missing.push(child);
  }
  const acc = combineAccumulators(parts);
  const values = aggregateValues(indicators, own, acc);
  const previous = aggregateRow(db, regime, period, agencyId);
  const next = {
    values: JSON.stringify(values),
    sources: JSON.stringify(sources),
    missing: JSON.stringify(missing),
    stale: JSON.stringify(stale),
  };
  const accepted = report?.state === 'accepted';
  const changed =
    !previous ||
    previous.values !== next.values ||
    previous.sources !== next.sources ||
    previous.missing !== next.missing ||
    previous.stale !== next.stale;
  const revision = changed ? (previous?.revision ?? 0) + 1 : previous.revision;
  const accJson = JSON.stringify(acc);
  statement(
    db,
    `INSERT OR REPLACE INTO aggregates (regime, period, agency_id, revision, "values", acc, accepted_acc, accepted_aggregate_revision, sources, missing, stale, computed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    regime,
    period,
    agencyId,
    revision,
    next.values,
    accJson,
    accepted ? accJson : previous?.acceptedAcc ? JSON.stringify(previous.acceptedAcc) : null,
    accepted ? revision : (previous?.acceptedAggregateRevision ?? null),
    next.sources,
    next.missing,
    next.stale,
    changed || !previous ? at : previous.computedAt,
  );
  if (changed)
    statement(
      db,
      `INSERT INTO aggregate_revisions (regime, period, agency_id, revision, "values", sources, missing, stale, computed_at, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(regime, period, agencyId, revision, next.values, next.sources, next.missing, next.stale, at, cause);
  return changed;
}

/** Incremental: the agency whose report changed, then each ancestor up to the top, nothing else. Returns how many were recomputed. */
export function recomputeWithAncestors(db: Database, regime: string, period: string, agencyId: string, at: string, cause: string): number {
  const indicators = periodIndicators(db, regime, period);
  let count = 0;
  for (let id: string | null = agencyId; id !== null && count < 64; id = parentOf(db, regime, period, id)) {
    recomputeAggregate(db, regime, period, id, at, cause, indicators);
    count++;
  }
  return count;
}

/** Full recomputation of a period (every agency, leaves first): what the incremental path avoids; rebuilds and the benchmark use it. */
export function recomputePeriod(db: Database, regime: string, period: string, at: string, cause: string): number {
  const indicators = periodIndicators(db, regime, period);
  const agencies = statement(db, 'SELECT agency_id, parent_id FROM period_agencies WHERE regime = ? AND period = ?').all(
    regime,
    period,
  ) as {
    agency_id: string;
    parent_id: string | null;
  }[];
  const depth = new Map<string, number>();
  const parent = new Map(agencies.map((a) => [a.agency_id, a.parent_id]));
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const p = parent.get(id) ?? null;
    const d = p === null ? 0 : depthOf(p) + 1;
    depth.set(id, d);
    return d;
  };
  const ordered = agencies.map((a) => a.agency_id).sort((a, b) => depthOf(b) - depthOf(a));
  for (const id of ordered) recomputeAggregate(db, regime, period, id, at, cause, indicators);
  return ordered.length;
}

export type { OwingAgency };
