import { statement, type Database } from '@lienthong/projections';
import type { IndicatorRecord, PeriodOpened, RegimeRecord, ReportValues } from '../domain/events.js';
import { endOfDate } from '../domain/periods.js';
import type { ReportDbRow, Source } from './reporting-projection.js';

export interface PeriodView extends Readonly<PeriodOpened['data']> {
  readonly closedAt: string | null;
}
export interface ReportView {
  readonly regime: string;
  readonly period: string;
  readonly agencyId: string;
  readonly state: string;
  readonly values: ReportValues;
  readonly revision: number;
  readonly submittedAt: string | null;
  readonly onTime: boolean | null;
  readonly overdue: boolean;
  readonly updatedAt: string;
}
export interface AggregateView {
  readonly regime: string;
  readonly period: string;
  readonly agencyId: string;
  readonly revision: number;
  readonly values: ReportValues;
  readonly sources: readonly Source[];
  readonly missing: readonly string[];
  readonly stale: boolean;
  readonly staleSources: readonly string[];
  readonly computedAt: string;
}
export interface StatusRow {
  readonly agencyId: string;
  readonly name: string;
  readonly level: string;
  readonly parentId: string | null;
  readonly state: string;
  readonly submittedAt: string | null;
  readonly onTime: boolean | null;
  readonly overdue: boolean;
}

/** An indicator definition as published, with its version. */
export interface IndicatorRow {
  readonly code: string;
  readonly version: number;
  readonly publishedAt: string;
  readonly record: IndicatorRecord;
}
/** An indicator in the list of indicators. */
export interface IndicatorListRow {
  readonly code: string;
  readonly version: number;
  readonly record: IndicatorRecord;
}
/** A regime definition as published, with its version and the day it was first published. */
export interface RegimeRow {
  readonly code: string;
  readonly version: number;
  readonly firstPublishedAt: string;
  readonly record: RegimeRecord;
}
/** An agency that owes a report in a period, with its reporting parent. */
export interface OwingRow {
  readonly parentId: string | null;
  readonly level: string;
  readonly name: string;
}
/** One revision of an aggregate: what it was computed from, when and why. */
export interface AggregateRevisionRow {
  readonly revision: number;
  readonly sources: Source[];
  readonly computedAt: string;
  readonly cause: string;
}
/** A report owed and not submitted past its due day. */
export interface OverdueCandidate {
  readonly regime: string;
  readonly period: string;
  readonly agencyId: string;
  readonly submitBy: string;
}

/** Queries over the reporting read model. */
export interface ReportingView {
  indicator(code: string): IndicatorRow | null;
  indicators(): IndicatorListRow[];
  knownIndicators(codes: readonly string[]): Set<string>;
  regime(code: string): RegimeRow | null;
  regimes(): RegimeRow[];
  period(regime: string, period: string): PeriodView | null;
  /** Periods of a regime, latest first. */
  periods(regime: string, limit: number): string[];
  /** The reporting parent of an agency in a period's tree, or undefined when it owes no report there. */
  owing(regime: string, period: string, agencyId: string): OwingRow | undefined;
  report(regime: string, period: string, agencyId: string): ReportView | null;
  aggregate(regime: string, period: string, agencyId: string): AggregateView | null;
  aggregateRevisions(regime: string, period: string, agencyId: string): AggregateRevisionRow[];
  /** The agency and every agency below it in the period's tree, each with its report's state (one query). */
  status(regime: string, period: string, agencyId: string | null): StatusRow[];
  /** Reports owed and neither submitted nor flagged whose due day has ended by `now`. */
  overdueCandidates(now: Date, limit: number): OverdueCandidate[];
}

/** Queries over the reporting read model; `db` is asked for each call because a rebuild swaps it. */
export function reportingView(db: () => Database): ReportingView {
  return {
    indicator(code: string): IndicatorRow | null {
      const r = statement(db(), 'SELECT * FROM indicators WHERE code = ?').get(code) as
        { code: string; version: number; record: string; published_at: string } | undefined;
      return r ? { code: r.code, version: r.version, publishedAt: r.published_at, record: JSON.parse(r.record) as IndicatorRecord } : null;
    },
    indicators(): IndicatorListRow[] {
      return (
        statement(db(), 'SELECT code, version, record FROM indicators ORDER BY code').all() as {
          code: string;
          version: number;
          record: string;
        }[]
      ).map((r) => ({
        code: r.code,
        version: r.version,
        record: JSON.parse(r.record) as IndicatorRecord,
      }));
    },
    knownIndicators(codes: readonly string[]): Set<string> {
      const known = new Set<string>();
      for (const code of codes) if (statement(db(), 'SELECT 1 FROM indicators WHERE code = ?').get(code)) known.add(code);
      return known;
    },
    regime(code: string): RegimeRow | null {
      const r = statement(db(), 'SELECT * FROM regimes WHERE code = ?').get(code) as
        { code: string; version: number; record: string; first_published_at: string } | undefined;
      return r
        ? { code: r.code, version: r.version, firstPublishedAt: r.first_published_at, record: JSON.parse(r.record) as RegimeRecord }
        : null;
    },
    regimes(): RegimeRow[] {
      return (
        statement(db(), 'SELECT * FROM regimes ORDER BY code').all() as {
          code: string;
          version: number;
          record: string;
          first_published_at: string;
        }[]
      ).map((r) => ({
        code: r.code,
        version: r.version,
        firstPublishedAt: r.first_published_at,
        record: JSON.parse(r.record) as RegimeRecord,
      }));
    },
    period(regime: string, period: string): PeriodView | null {
      const r = statement(db(), 'SELECT data, closed_at FROM periods WHERE regime = ? AND period = ?').get(regime, period) as
        { data: string; closed_at: string | null } | undefined;
      return r ? { ...(JSON.parse(r.data) as PeriodOpened['data']), closedAt: r.closed_at } : null;
    },
    /** Periods of a regime, latest first. */
    periods(regime: string, limit: number): string[] {
      return (
        statement(db(), 'SELECT period FROM periods WHERE regime = ? ORDER BY period DESC LIMIT ?').all(regime, limit) as {
          period: string;
        }[]
      ).map((r) => r.period);
    },
    /** The reporting parent of an agency in a period's tree, or undefined when it owes no report there. */
    owing(regime: string, period: string, agencyId: string): OwingRow | undefined {
      const r = statement(db(), 'SELECT parent_id, level, name FROM period_agencies WHERE regime = ? AND period = ? AND agency_id = ?').get(
        regime,
        period,
        agencyId,
      ) as { parent_id: string | null; level: string; name: string } | undefined;
      return r ? { parentId: r.parent_id, level: r.level, name: r.name } : undefined;
    },
    report(regime: string, period: string, agencyId: string): ReportView | null {
      const r = statement(db(), 'SELECT * FROM reports WHERE regime = ? AND period = ? AND agency_id = ?').get(regime, period, agencyId) as
        ReportDbRow | undefined;
      if (!r) return null;
      return {
        regime,
        period,
        agencyId,
        state: r.state,
        values: JSON.parse(r.values) as ReportValues,
        revision: r.revision,
        submittedAt: r.submitted_at,
        onTime: r.on_time === null ? null : r.on_time === 1,
        overdue: r.overdue === 1,
        updatedAt: r.updated_at,
      };
    },
    aggregate(regime: string, period: string, agencyId: string): AggregateView | null {
      const r = statement(db(), 'SELECT * FROM aggregates WHERE regime = ? AND period = ? AND agency_id = ?').get(
        regime,
        period,
        agencyId,
      ) as Record<string, unknown> | undefined;
      if (!r) return null;
      const staleSources = JSON.parse(String(r.stale)) as string[];
      return {
        regime,
        period,
        agencyId,
        revision: Number(r.revision),
        values: JSON.parse(String(r.values)) as ReportValues,
        sources: JSON.parse(String(r.sources)) as Source[],
        missing: JSON.parse(String(r.missing)) as string[],
        stale: staleSources.length > 0,
        staleSources,
        computedAt: String(r.computed_at),
      };
    },
    aggregateRevisions(regime: string, period: string, agencyId: string): AggregateRevisionRow[] {
      return (
        statement(
          db(),
          'SELECT revision, sources, computed_at, cause FROM aggregate_revisions WHERE regime = ? AND period = ? AND agency_id = ? ORDER BY revision',
        ).all(regime, period, agencyId) as { revision: number; sources: string; computed_at: string; cause: string }[]
      ).map((r) => ({ revision: r.revision, sources: JSON.parse(r.sources) as Source[], computedAt: r.computed_at, cause: r.cause }));
    },
    /** The agency and every agency below it in the period's tree, each with its report's state (one query). */
    status(regime: string, period: string, agencyId: string | null): StatusRow[] {
      const root =
        agencyId === null
          ? ''
          : ((
              statement(db(), 'SELECT path FROM period_agencies WHERE regime = ? AND period = ? AND agency_id = ?').get(
                regime,
                period,
                agencyId,
              ) as { path: string } | undefined
            )?.path ?? null);
      if (root === null) return [];
      // the subtree is the range of paths starting with the root's ('/' + U+FFFF ends it)
      const rows = statement(
        db(),
        `SELECT a.agency_id, a.name, a.level, a.parent_id, r.state, r.submitted_at, r.on_time, r.overdue
         FROM period_agencies a LEFT JOIN reports r ON r.regime = a.regime AND r.period = a.period AND r.agency_id = a.agency_id
         WHERE a.regime = @regime AND a.period = @period AND a.path >= @from AND a.path < @to
         ORDER BY a.seq`,
      ).all({ regime, period, from: root, to: `${root}\uffff` }) as {
        agency_id: string;
        name: string;
        level: string;
        parent_id: string | null;
        state: string | null;
        submitted_at: string | null;
        on_time: number | null;
        overdue: number | null;
      }[];
      return rows.map((r) => ({
        agencyId: r.agency_id,
        name: r.name,
        level: r.level,
        parentId: r.parent_id,
        state: r.state ?? 'not-started',
        submittedAt: r.submitted_at,
        onTime: r.on_time === null ? null : r.on_time === 1,
        overdue: r.overdue === 1,
      }));
    },
    /** Reports owed and neither submitted nor flagged whose due day has ended by `now`. */
    overdueCandidates(now: Date, limit: number): OverdueCandidate[] {
      const out: OverdueCandidate[] = [];
      const periods = statement(db(), 'SELECT data FROM periods WHERE closed_at IS NULL').all() as { data: string }[];
      for (const p of periods) {
        const d = JSON.parse(p.data) as PeriodOpened['data'];
        for (const [level, submitBy] of Object.entries(d.submitBy)) {
          if (submitBy === undefined || endOfDate(submitBy).getTime() > now.getTime()) continue;
          const rows = statement(
            db(),
            `SELECT a.agency_id FROM period_agencies a LEFT JOIN reports r ON r.regime = a.regime AND r.period = a.period AND r.agency_id = a.agency_id
             WHERE a.regime = ? AND a.period = ? AND a.level = ? AND (r.agency_id IS NULL OR (r.submitted_at IS NULL AND r.overdue = 0)) LIMIT ?`,
          ).all(d.regime, d.period, level, limit - out.length) as { agency_id: string }[];
          for (const r of rows) out.push({ regime: d.regime, period: d.period, agencyId: r.agency_id, submitBy });
          if (out.length >= limit) return out;
        }
      }
      return out;
    },
  };
}
