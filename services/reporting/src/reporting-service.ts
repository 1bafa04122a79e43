import { handleCommand, isDomainError, type CommandContext } from '@lienthong/decider';
import type { EventStore } from '@lienthong/event-store';
import type { DirectoryView } from '@lienthong/directory';
import { AppError, forbidden, notFound, type Principal } from '@lienthong/service-kit';
import { randomUUID } from 'node:crypto';
import { indicatorDecider, isHubIndicator, regimeDecider } from './domain/definition-deciders.js';
import { ReportingStreams, type IndicatorRecord, type IndicatorValue, type OwingAgency, type RegimeRecord } from './domain/events.js';
import { periodDecider } from './domain/period-decider.js';
import {
  ReportingLevels,
  formatPeriod,
  frequencyOf,
  hanoiDate,
  hasStarted,
  parsePeriod,
  periodAt,
  shiftPeriod,
  submitByOf,
  windowOf,
  type Frequency,
  type Period,
  type ReportingLevel,
  type Window,
} from './domain/periods.js';
import { reportDecider, type PeriodState, type ReportActor, type ReportCommand } from './domain/report-decider.js';
import { isEntered } from './domain/values.js';
import type { Source } from './projections/reporting-projection.js';
import type { AggregateRevisionRow, ReportView, ReportingView, StatusRow } from './projections/reporting-view.js';

interface Context {
  readonly correlationId: string;
  readonly actor: string;
}

export interface ReportingServiceDeps {
  readonly store: EventStore;
  readonly directory: DirectoryView;
  readonly view: ReportingView;
  readonly clock: () => Date;
  /** Resolves once the read model has applied everything appended so far (by the event in hand). */
  readonly waitFor: (event: { position: number; stream: string }) => Promise<void>;
  /** Hub-computed indicator values for an agency's subtree as of the end of the period's window. */
  readonly hubValues?: (agencyIds: readonly string[], from: Date, to: Date) => Record<string, number>;
}

export type ReportAction = 'submit' | 'accept' | 'return' | 'reopen';

/** An indicator as published: its record with its code and version. */
export interface PublishedIndicator extends IndicatorRecord {
  readonly code: string;
  readonly version: number;
}
/** A regime as published: its record with its code and version. */
export interface PublishedRegime extends RegimeRecord {
  readonly code: string;
  readonly version: number;
}
/** One event of a report's history. */
export interface ReportHistoryEntry {
  readonly type: string;
  readonly revision: number;
  readonly at: string;
  readonly actor: string;
  readonly data: unknown;
}
/** A report with its history (`not-started` and revision -1 before its first event). */
export interface ReportDetail extends Omit<ReportView, 'updatedAt'> {
  readonly history: ReportHistoryEntry[];
}
/** An agency's aggregate for a period, with the hub-computed values and its revisions. */
export interface AggregateDetail {
  readonly regime: string;
  readonly period: string;
  readonly agencyId: string;
  readonly window: Window;
  readonly revision: number;
  readonly values: Record<string, IndicatorValue>;
  readonly sources: readonly Source[];
  readonly missing: readonly string[];
  readonly stale: boolean;
  readonly staleSources: readonly string[];
  readonly computedAt: string | null;
  readonly indicators: Record<string, IndicatorRecord>;
  readonly revisions: AggregateRevisionRow[];
}
/** The completeness of a period below an agency (or everywhere, for an admin). */
export interface CompletenessStatus {
  readonly regime: string;
  readonly period: string;
  readonly frequency: Frequency;
  readonly window: Window;
  readonly submitBy: Partial<Record<ReportingLevel, string>>;
  readonly closedAt: string | null;
  readonly agencies: StatusRow[];
}
/** What `…/send` sends. */
export interface SendableReport {
  readonly aggregate: AggregateDetail;
  readonly status: CompletenessStatus;
  readonly regimeName: string;
  readonly agencyName: string;
}
/** One period of a series: the aggregate of one indicator, null when none. */
export interface SeriesPoint {
  readonly period: string;
  readonly value: number | null;
}

/** Commands and queries of the reporting service (SPEC §9). */
export interface ReportingService {
  readonly view: ReportingView;
  putIndicator(code: string, record: IndicatorRecord, context: Context): Promise<{ created: boolean; indicator: PublishedIndicator }>;
  putRegime(code: string, record: RegimeRecord, context: Context): Promise<{ created: boolean; regime: PublishedRegime }>;
  /**
   * Opens every period whose window has started since the regime was first published, up to
   * now (a regime created mid-window opens its current period at once). A period already open
   * is refused by its decider: repeated runs, restarts and concurrent processes open it once.
   */
  openDuePeriods(now?: Date): Promise<string[]>;
  /** Flags every report not submitted by its due day, once. */
  markOverdue(now?: Date): Promise<number>;
  /** The next instant the scheduler has something to do (a window start or a due day's end), for its sleep. */
  nextWake(now?: Date): Date | null;
  closePeriod(regime: string, period: string, context: Context): Promise<{ regime: string; period: string; closed: boolean }>;
  draftValues(
    regime: string,
    periodId: string,
    agencyId: string,
    values: Record<string, IndicatorValue | null>,
    principal: Principal,
    context: Context,
  ): Promise<ReportDetail>;
  act(
    action: ReportAction,
    regime: string,
    periodId: string,
    agencyId: string,
    reason: string | undefined,
    principal: Principal,
    context: Context,
  ): Promise<ReportDetail>;
  report(regime: string, periodId: string, agencyId: string, principal: Principal): Promise<ReportDetail>;
  aggregate(regime: string, periodId: string, agencyId: string, principal: Principal): AggregateDetail;
  /** What `…/send` sends: the agency's accepted aggregate, for its leader (or the admin). */
  sendable(regime: string, periodId: string, agencyId: string, principal: Principal): SendableReport;
  status(query: { regime: string; period: string; agencyId?: string | undefined }, principal: Principal): CompletenessStatus;
  /** Periods of a regime with their aggregate of one indicator, oldest first (the page's chart). */
  series(regime: string, indicator: string, agencyId: string, limit: number, principal: Principal): SeriesPoint[];
  readonly levels: typeof ReportingLevels;
  readonly frequencyOf: typeof frequencyOf;
}

/** Commands and queries of the reporting service (SPEC §9): directory facts are looked up here and carried in the commands. */
export function createReportingService(deps: ReportingServiceDeps): ReportingService {
  const { store, directory, view, clock } = deps;

  const awaitAppended = async (r: { appended: readonly { position: number; stream: string }[] }) => {
    const last = r.appended[r.appended.length - 1];
    if (last) await deps.waitFor(last);
  };

  /** The agency a principal belongs to, by its organId. */
  const agencyOf = (principal: Principal) =>
    principal.kind === 'staff' ? (directory.resolveOrganId(principal.agencyId) ?? principal.agencyId) : null;

  /** Whether `ancestor` is `agencyId` or above it in the directory tree. */
  function isWithin(agencyId: string, ancestor: string): boolean {
    let id: string | null = agencyId;
    for (let depth = 0; id !== null && depth < 16; depth++) {
      if (id === ancestor) return true;
      id = directory.getAgency(id)?.parentId ?? null;
    }
    return false;
  }

  /** Reads: an admin sees every agency; staff their own agency and the agencies below it. */
  function assertMaySee(principal: Principal, agencyId: string): void {
    if (principal.kind === 'admin') return;
    const own = agencyOf(principal);
    if (own === null || !isWithin(agencyId, own))
      throw forbidden(`${principal.kind} ${principal.id} may not see the reports of ${agencyId}`);
  }

  function regimeOrThrow(code: string) {
    const regime = view.regime(code);
    if (!regime) throw notFound(`no reporting regime ${code}`);
    return regime;
  }

  function periodOrThrow(regimeCode: string, periodId: string): { period: Period; record: RegimeRecord } {
    const regime = regimeOrThrow(regimeCode);
    const period = parsePeriod(regime.record.frequency, periodId);
    if (!period)
      throw notFound(
        `${periodId} is not a ${regime.record.frequency} period (e.g. ${formatPeriod(periodAt(regime.record.frequency, clock()))})`,
      );
    return { period, record: regime.record };
  }

  const periodState = (regime: string, period: string): PeriodState => {
    const p = view.period(regime, period);
    return p === null ? 'not-open' : p.closedAt !== null ? 'closed' : 'open';
  };

  function actorFor(principal: Principal, regime: string, period: string, agencyId: string): ReportActor {
    const owing = view.owing(regime, period, agencyId);
    if (principal.kind === 'admin')
      return { kind: 'admin', id: principal.id, relation: owing && owing.parentId === null ? 'parent' : 'other', roles: [] };
    if (principal.kind !== 'staff') return { kind: 'staff', id: principal.id, relation: 'other', roles: [] };
    const own = agencyOf(principal);
    const relation = own === agencyId ? 'self' : owing && owing.parentId !== null && owing.parentId === own ? 'parent' : 'other';
    return { kind: 'staff', id: principal.id, relation, roles: principal.roles };
  }

  /** The report's agency as the period knows it: 404 when it owes no report there (or the period is not open: then the decider says so). */
  function reportAgency(regime: string, period: string, agencyId: string): string {
    const organId = directory.resolveOrganId(agencyId) ?? agencyId;
    if (view.period(regime, period) !== null && view.owing(regime, period, organId) === undefined)
      throw notFound(`${organId} owes no report of ${regime} for ${period}`);
    return organId;
  }

  async function runReport(
    regime: string,
    period: string,
    agencyId: string,
    command: ReportCommand,
    context: Context,
  ): Promise<ReportDetail> {
    const r = await handleCommand(store, reportDecider, ReportingStreams.report(regime, period, agencyId), command, context);
    await awaitAppended(r);
    return reportOf(regime, period, agencyId);
  }

  async function reportOf(regime: string, period: string, agencyId: string): Promise<ReportDetail> {
    const report = view.report(regime, period, agencyId);
    const history = await store.readStream(ReportingStreams.report(regime, period, agencyId));
    return {
      regime,
      period,
      agencyId,
      state: report?.state ?? 'not-started',
      values: report?.values ?? {},
      revision: report?.revision ?? -1,
      submittedAt: report?.submittedAt ?? null,
      onTime: report?.onTime ?? null,
      overdue: report?.overdue ?? false,
      history: history.map((e) => ({ type: e.type, revision: e.revision, at: e.metadata.at, actor: e.metadata.actor, data: e.data })),
    };
  }

  function indicatorsOf(regime: string, period: string): Record<string, IndicatorRecord> {
    const p = view.period(regime, period);
    const out: Record<string, IndicatorRecord> = {};
    for (const code of p?.indicators ?? []) {
      const indicator = view.indicator(code);
      if (indicator) out[code] = indicator.record;
    }
    return out;
  }

  /** The agencies that owe a report of `levels`, each with its nearest reporting ancestor, from the directory. */
  function owingAgencies(levels: readonly ReportingLevel[]): OwingAgency[] {
    const all: { organId: string; name: string; level: string | null; parentId: string | null }[] = [];
    for (let after: string | undefined; ;) {
      const page = directory.listAgencies({ limit: 500, after });
      all.push(...page);
      if (page.length < 500) break;
      after = page[page.length - 1]!.organId;
    }
    const byId = new Map(all.map((a) => [a.organId, a]));
    const reporting = (a: { level: string | null }) => a.level !== null && (levels as readonly string[]).includes(a.level);
    const out: OwingAgency[] = [];
    for (const a of all) {
      if (!reporting(a)) continue;
      let parentId: string | null = a.parentId;
      for (let depth = 0; parentId !== null && depth < 16; depth++) {
        const p = byId.get(parentId);
        if (!p) {
          parentId = null;
          break;
        }
        if (reporting(p)) break;
        parentId = p.parentId;
      }
      out.push({ agencyId: a.organId, name: a.name, level: a.level as ReportingLevel, parentId });
    }
    // Parents before children: the order of the completeness view.
    const depthOf = (id: string | null): number => (id === null ? 0 : 1 + depthOf(out.find((o) => o.agencyId === id)?.parentId ?? null));
    return out
      .map((o) => ({ o, d: depthOf(o.parentId) }))
      .sort((x, y) => x.d - y.d || x.o.agencyId.localeCompare(y.o.agencyId))
      .map((x) => x.o);
  }

  return {
    view,
    async putIndicator(code: string, record: IndicatorRecord, context: Context) {
      const r = await handleCommand(
        store,
        indicatorDecider,
        ReportingStreams.indicator(code),
        { type: 'PublishIndicator', data: { code, record, at: clock().toISOString() } },
        context,
      );
      await awaitAppended(r);
      const state = r.state;
      if (!state.exists) throw new Error('unreachable: an indicator just published');
      return { created: r.appended.length > 0 && state.version === 1, indicator: { code, version: state.version, ...state.record } };
    },
    async putRegime(code: string, record: RegimeRecord, context: Context) {
      const unknownIndicators = record.indicators.filter((c) => !view.knownIndicators([c]).has(c));
      const r = await handleCommand(
        store,
        regimeDecider,
        ReportingStreams.regime(code),
        { type: 'PublishRegime', data: { code, record, at: clock().toISOString(), unknownIndicators } },
        context,
      );
      await awaitAppended(r);
      if (!r.state.exists) throw new Error('unreachable: a regime just published');
      return { created: r.appended.length > 0 && r.state.version === 1, regime: { code, version: r.state.version, ...r.state.record } };
    },

    /**
     * Opens every period whose window has started since the regime was first published, up to
     * now (a regime created mid-window opens its current period at once). A period already open
     * is refused by its decider: repeated runs, restarts and concurrent processes open it once.
     */
    async openDuePeriods(now: Date = clock()): Promise<string[]> {
      const opened: string[] = [];
      for (const regime of view.regimes()) {
        const { frequency, levels, cutOff, submitBy, indicators } = regime.record;
        const cut = cutOff ?? undefined;
        let p = periodAt(frequency, new Date(regime.firstPublishedAt), cut);
        const current = periodAt(frequency, now, cut);
        for (
          let guard = 0;
          guard < 400 && formatPeriod(p) <= formatPeriod(current) && hasStarted(p, now, cut);
          guard++, p = shiftPeriod(p, 1)
        ) {
          const id = formatPeriod(p);
          if (view.period(regime.code, id) !== null) continue;
          const due: Partial<Record<ReportingLevel, string>> = {};
          for (const level of levels) due[level] = submitByOf(p, level, submitBy);
          try {
            const r = await handleCommand(
              store,
              periodDecider,
              ReportingStreams.period(regime.code, id),
              {
                type: 'OpenPeriod',
                data: {
                  regime: regime.code,
                  regimeVersion: regime.version,
                  period: id,
                  frequency,
                  window: windowOf(p, cut),
                  submitBy: due,
                  indicators: [...indicators],
                  agencies: owingAgencies(levels),
                  openedAt: now.toISOString(),
                },
              },
              { correlationId: randomUUID(), actor: 'scheduler', now },
            );
            await awaitAppended(r);
            opened.push(`${regime.code}/${id}`);
          } catch (error) {
            if (!isDomainError(error, 'duplicate')) throw error;
            // Opened by another scan meanwhile: answer once it is readable here too.
            await awaitAppended({ appended: await store.readStream(ReportingStreams.period(regime.code, id)) });
          }
        }
      }
      return opened;
    },
    /** Flags every report not submitted by its due day, once. */
    async markOverdue(now: Date = clock()): Promise<number> {
      let flagged = 0;
      for (;;) {
        const due = view.overdueCandidates(now, 200);
        let progressed = 0;
        for (const d of due) {
          try {
            const r = await handleCommand(
              store,
              reportDecider,
              ReportingStreams.report(d.regime, d.period, d.agencyId),
              {
                type: 'MarkOverdue',
                data: { ...d, at: now.toISOString() },
              },
              { correlationId: randomUUID(), actor: 'scheduler', now } satisfies CommandContext,
            );
            await awaitAppended(r);
            progressed += r.appended.length;
          } catch (error) {
            if (!isDomainError(error, 'conflict')) throw error;
          }
        }
        flagged += progressed;
        if (due.length < 200 || progressed === 0) return flagged;
      }
    },
    /** The next instant the scheduler has something to do (a window start or a due day's end), for its sleep. */
    nextWake(now: Date = clock()): Date | null {
      let next: Date | null = null;
      for (const regime of view.regimes()) {
        const p = shiftPeriod(periodAt(regime.record.frequency, now, regime.record.cutOff ?? undefined), 1);
        const start = new Date(Date.parse(`${windowOf(p, regime.record.cutOff ?? undefined).from}T00:00:00+07:00`));
        if (next === null || start < next) next = start;
      }
      return next;
    },
    async closePeriod(regime: string, period: string, context: Context) {
      periodOrThrow(regime, period);
      const r = await handleCommand(
        store,
        periodDecider,
        ReportingStreams.period(regime, period),
        { type: 'ClosePeriod', data: { regime, period, at: clock().toISOString() } },
        context,
      );
      await awaitAppended(r);
      return { regime, period, closed: true };
    },

    async draftValues(
      regime: string,
      periodId: string,
      agencyId: string,
      values: Record<string, IndicatorValue | null>,
      principal: Principal,
      context: Context,
    ) {
      periodOrThrow(regime, periodId);
      const organId = reportAgency(regime, periodId, agencyId);
      return runReport(
        regime,
        periodId,
        organId,
        {
          type: 'DraftValues',
          data: {
            regime,
            period: periodId,
            agencyId: organId,
            actor: actorFor(principal, regime, periodId, organId),
            at: clock().toISOString(),
            periodState: periodState(regime, periodId),
            values,
            indicators: indicatorsOf(regime, periodId),
          },
        },
        context,
      );
    },
    async act(
      action: ReportAction,
      regime: string,
      periodId: string,
      agencyId: string,
      reason: string | undefined,
      principal: Principal,
      context: Context,
    ) {
      periodOrThrow(regime, periodId);
      const organId = reportAgency(regime, periodId, agencyId);
      const base = {
        regime,
        period: periodId,
        agencyId: organId,
        actor: actorFor(principal, regime, periodId, organId),
        at: clock().toISOString(),
        periodState: periodState(regime, periodId),
      };
      let command: ReportCommand;
      switch (action) {
        case 'submit': {
          const p = view.period(regime, periodId);
          const owing = view.owing(regime, periodId, organId);
          const indicators = indicatorsOf(regime, periodId);
          const required = Object.entries(indicators)
            .filter(([code, indicator]) => isEntered(code, indicator))
            .map(([code]) => code);
          const aggregate = view.aggregate(regime, periodId, organId);
          const fromChildren = aggregate && aggregate.sources.some((s) => s.agencyId !== organId) ? Object.keys(aggregate.values) : [];
          command = {
            type: 'Submit',
            data: {
              ...base,
              submitBy: (owing && p?.submitBy[owing.level as ReportingLevel]) ?? hanoiDate(clock()),
              required,
              derived: fromChildren,
            },
          };
          break;
        }
        case 'accept':
          command = { type: 'Accept', data: base };
          break;
        case 'return':
          command = { type: 'Return', data: { ...base, reason: reason ?? '' } };
          break;
        case 'reopen':
          command = { type: 'Reopen', data: { ...base, reason: reason ?? '' } };
          break;
      }
      return runReport(regime, periodId, organId, command, context);
    },
    async report(regime: string, periodId: string, agencyId: string, principal: Principal) {
      periodOrThrow(regime, periodId);
      const organId = reportAgency(regime, periodId, agencyId);
      assertMaySee(principal, organId);
      return reportOf(regime, periodId, organId);
    },
    aggregate(regime: string, periodId: string, agencyId: string, principal: Principal) {
      periodOrThrow(regime, periodId);
      const organId = reportAgency(regime, periodId, agencyId);
      assertMaySee(principal, organId);
      const p = view.period(regime, periodId);
      if (!p) throw notFound(`period ${periodId} of ${regime} is not open`);
      const aggregate = view.aggregate(regime, periodId, organId);
      const indicators = indicatorsOf(regime, periodId);
      const hubCodes = Object.keys(indicators).filter(isHubIndicator);
      let hub: Record<string, number> = {};
      if (hubCodes.length > 0 && deps.hubValues) {
        const subtree = view.status(regime, periodId, organId).map((r) => r.agencyId);
        const all = deps.hubValues(
          subtree,
          new Date(Date.parse(`${p.window.from}T00:00:00+07:00`)),
          new Date(Date.parse(`${p.window.to}T00:00:00+07:00`) + 86_400_000),
        );
        hub = Object.fromEntries(hubCodes.filter((c) => all[c] !== undefined).map((c) => [c, all[c]!]));
      }
      const missing =
        aggregate?.missing ??
        view
          .status(regime, periodId, organId)
          .filter((r) => r.parentId === organId)
          .map((r) => r.agencyId);
      return {
        regime,
        period: periodId,
        agencyId: organId,
        window: p.window,
        revision: aggregate?.revision ?? 0,
        values: { ...(aggregate?.values ?? {}), ...hub },
        sources: aggregate?.sources ?? [],
        missing,
        stale: aggregate?.stale ?? false,
        staleSources: aggregate?.staleSources ?? [],
        computedAt: aggregate?.computedAt ?? null,
        indicators,
        revisions: view.aggregateRevisions(regime, periodId, organId),
      };
    },
    /** What `…/send` sends: the agency's accepted aggregate, for its leader (or the admin). */
    sendable(regime: string, periodId: string, agencyId: string, principal: Principal) {
      const { record } = periodOrThrow(regime, periodId);
      const organId = reportAgency(regime, periodId, agencyId);
      const own = agencyOf(principal);
      if (principal.kind !== 'admin' && !(principal.kind === 'staff' && own === organId && principal.roles.includes('leader')))
        throw forbidden(`only the leader of ${organId} sends its report`);
      const report = view.report(regime, periodId, organId);
      if (report?.state !== 'accepted')
        throw new AppError('LT_CONFLICT', `the report of ${organId} for ${periodId} is not accepted: only an accepted aggregate is sent`, {
          extensions: { reportState: report?.state ?? 'not-started' },
        });
      const aggregate = this.aggregate(regime, periodId, organId, principal);
      const status = this.status({ regime, period: periodId, agencyId: organId }, principal);
      return { aggregate, status, regimeName: record.name, agencyName: view.owing(regime, periodId, organId)?.name ?? organId };
    },
    status(query: { regime: string; period: string; agencyId?: string | undefined }, principal: Principal) {
      const { record } = periodOrThrow(query.regime, query.period);
      const p = view.period(query.regime, query.period);
      if (!p) throw notFound(`period ${query.period} of ${query.regime} is not open`);
      const root = query.agencyId !== undefined ? (directory.resolveOrganId(query.agencyId) ?? query.agencyId) : agencyOf(principal);
      if (root !== null) assertMaySee(principal, root);
      else if (principal.kind !== 'admin') throw forbidden('only staff and admins see completeness');
      const agencies = view.status(query.regime, query.period, root);
      if (root !== null && agencies.length === 0) throw notFound(`${root} owes no report of ${query.regime} for ${query.period}`);
      return {
        regime: query.regime,
        period: query.period,
        frequency: record.frequency,
        window: p.window,
        submitBy: p.submitBy,
        closedAt: p.closedAt,
        agencies,
      };
    },
    /** Periods of a regime with their aggregate of one indicator, oldest first (the page's chart). */
    series(regime: string, indicator: string, agencyId: string, limit: number, principal: Principal) {
      regimeOrThrow(regime);
      const organId = directory.resolveOrganId(agencyId) ?? agencyId;
      assertMaySee(principal, organId);
      return view
        .periods(regime, limit)
        .reverse()
        .map((period) => {
          const value = view.aggregate(regime, period, organId)?.values[indicator];
          return { period, value: typeof value === 'number' ? value : null };
        });
    },
    levels: ReportingLevels,
    frequencyOf,
  };
}
