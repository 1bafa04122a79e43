import type { EventStore, RecordedEvent } from '@lienthong/event-store';
import { handleCommand, type CommandContext } from '@lienthong/decider';
import { MAX_YEAR, MIN_YEAR, validateCalendarYear, type CalendarYearSource, type WorkingCalendar } from '@lienthong/calendar';
import { AppError, notFound, unprocessable, validationError } from '@lienthong/service-kit';
import type { ProcedurePublished, ProcedureRecord } from './events.js';
import { CatalogStreams } from './events.js';
import { procedureDecider } from './domain/procedure-decider.js';
import { calendarDecider } from './domain/calendar-decider.js';
import type { ProcedurePut } from './domain/procedure.js';
import {
  effectiveFromOf,
  notInForceMessage,
  procedureLookupAt,
  procedureVersions,
  type ProcedureInForce,
  type ProcedureVersionInfo,
} from './domain/in-force.js';
import type { ImportRow } from './import/csv.js';
import { validateImport, type ImportIssue } from './import/validate.js';

/** A procedure as `GET /v1/catalog/procedures/:code` shows it: one version, the procedure's status and its history. */
export type ProcedureDocument = ProcedureRecord & {
  readonly code: string;
  readonly version: number;
  readonly publishedAt: string;
  /** The legal effective date (ngày hiệu lực) of this version. */
  readonly effectiveFrom: string;
  readonly latestVersion: number;
  /** The procedure is retired now (whatever version is shown). */
  readonly retired: boolean;
  readonly retiredAt: string | null;
  readonly versions: readonly ProcedureVersionInfo[];
};

export interface CalendarYearDocument {
  readonly year: number;
  readonly holidays: readonly string[];
  readonly workingDays: readonly string[];
  /** `admin`: set with PUT; `data`: shipped announced days; `default`: the lunar default. */
  readonly source: 'admin' | CalendarYearSource;
  readonly setAt?: string;
}

export interface ImportResult {
  readonly imported: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
}

export interface CatalogServiceDeps {
  readonly store: EventStore;
  readonly calendar: WorkingCalendar;
  /** The admin's year, if any (from the calendar replica). */
  readonly adminYear: (year: number) => { setAt: string } | null;
  /** Waits until the procedures read model has applied a position (read-your-writes). */
  readonly waitForProcedures: (position: number) => Promise<void>;
  /** Waits until the calendar replica (and so the calendar) has applied a position. */
  readonly waitForCalendar: (position: number) => Promise<void>;
  /** Publications run this many at a time during an import (the store commits them in groups). */
  readonly importConcurrency?: number;
}

/** What `PUT /v1/catalog/procedures/:code` answers. */
export interface PutProcedureResult {
  readonly created: boolean;
  readonly changed: boolean;
  readonly procedure: ProcedureDocument;
}

/** A due date in working days, and what it was counted from. */
export interface Deadline {
  /** The procedure whose processing time gave the days, when one was named. */
  readonly procedure?: { readonly code: string; readonly version: number };
  readonly from: string;
  readonly days: number;
  readonly dueAt: string;
}

/** Command side of the catalog, and the reads that come straight from the streams. */
export interface CatalogService {
  /** `GET /v1/catalog/procedures/:code`: the version in force now, at `at`, or the `version` asked for. */
  getProcedure(code: string, options?: { version?: number | undefined; at?: Date | undefined }): Promise<ProcedureDocument>;
  /** `PUT /v1/catalog/procedures/:code`. */
  putProcedure(code: string, body: ProcedurePut, context: CommandContext): Promise<PutProcedureResult>;
  /** `DELETE /v1/catalog/procedures/:code`: retires; retiring again changes nothing. */
  retireProcedure(code: string, context: CommandContext): Promise<ProcedureDocument>;
  /**
   * `POST /v1/admin/catalog/import`: every row is validated before anything is written; a
   * refused import names every bad row and field and writes nothing. Then each procedure is
   * published on its own stream (identical records publish nothing), so an import cut short
   * by a crash is completed by running the same import again.
   */
  importProcedures(rows: readonly ImportRow[], context: CommandContext, options?: { dryRun?: boolean }): Promise<ImportResult>;
  /** `GET /v1/catalog/calendar/:year`. */
  getCalendarYear(year: number): CalendarYearDocument;
  /** `PUT /v1/catalog/calendar/:year`: validated, then recorded as `CalendarYearSet`; replaces the whole year. */
  setCalendarYear(year: number, body: unknown, context: CommandContext): Promise<CalendarYearDocument>;
  /** Due date of `days` working days counted from `from`; `days` may come from a procedure's processing time. */
  deadline(from: Date, input: { days?: number | undefined; code?: string | undefined }): Promise<Deadline>;
}

export function createCatalogService(deps: CatalogServiceDeps): CatalogService {
  const { store, calendar, waitForProcedures: waitFor } = deps;

  function documentOf(code: string, events: readonly RecordedEvent[], chosen: ProcedureInForce): ProcedureDocument {
    const versions = procedureVersions(events);
    const last = versions.at(-1)!;
    const { code: _code, version, effectiveFrom: _effectiveFrom, ...record } = chosen.procedure;
    return {
      code,
      version,
      ...record,
      publishedAt: chosen.publishedAt,
      effectiveFrom: chosen.effectiveFrom,
      latestVersion: last.version,
      retired: last.retiredAt !== null,
      retiredAt: last.retiredAt,
      versions,
    };
  }
  const chosen = (e: RecordedEvent<'ProcedurePublished', ProcedurePublished['data']>): ProcedureInForce => ({
    procedure: e.data,
    publishedAt: e.metadata.at,
    effectiveFrom: effectiveFromOf(e),
  });

  async function getProcedure(
    code: string,
    options: { version?: number | undefined; at?: Date | undefined } = {},
  ): Promise<ProcedureDocument> {
    const events = await store.readStream(CatalogStreams.procedure(code));
    if (events.length === 0) throw notFound(`no procedure ${code}`);
    const published = events.filter(
      (e): e is RecordedEvent<'ProcedurePublished', ProcedurePublished['data']> => e.type === 'ProcedurePublished',
    );
    if (options.version !== undefined) {
      const found = published.find((e) => e.data.version === options.version);
      if (!found) throw notFound(`procedure ${code} has no version ${options.version}`);
      return documentOf(code, events, chosen(found));
    }
    if (options.at !== undefined) {
      const lookup = procedureLookupAt(events, options.at);
      if (!lookup.found) throw notFound(notInForceMessage(code, options.at, lookup));
      return documentOf(code, events, lookup);
    }
    return documentOf(code, events, chosen(published.at(-1)!));
  }

  /** Publishes a record for a code: `created` on the first version; nothing new when identical to the latest version. */
  async function publish(code: string, record: ProcedureRecord, effectiveFrom: string | undefined, context: CommandContext) {
    // One instant for the default effective date and the event's time.
    const now = context.now ?? new Date();
    const command = { type: 'PublishProcedure', data: { code, record, effectiveFrom, at: now.toISOString() } } as const;
    const result = await handleCommand(store, procedureDecider, CatalogStreams.procedure(code), command, { ...context, now });
    const appended = result.appended.at(-1);
    const version = result.state.exists ? result.state.version : 0;
    const outcome: 'created' | 'updated' | 'unchanged' = !appended ? 'unchanged' : version === 1 ? 'created' : 'updated';
    return { outcome, position: appended?.position ?? null };
  }

  function getCalendarYear(year: number): CalendarYearDocument {
    const data = calendar.getYear(year);
    const admin = deps.adminYear(year);
    return {
      year,
      holidays: [...data.holidays],
      workingDays: [...data.workingDays],
      source: admin ? 'admin' : calendar.sourceOf(year),
      ...(admin ? { setAt: admin.setAt } : {}),
    };
  }

  return {
    getProcedure,

    async putProcedure(code: string, body: ProcedurePut, context: CommandContext) {
      const { code: bodyCode, effectiveFrom, ...record } = body;
      if (bodyCode !== undefined && bodyCode !== code)
        throw validationError(`body code ${bodyCode} differs from the path's ${code}`, [
          { path: 'body/code', message: `must be ${code} (the path) or absent` },
        ]);
      const { outcome, position } = await publish(code, record, effectiveFrom, context);
      if (position !== null) await waitFor(position);
      // Read again, not built from the command's result: the answer lists every version with the
      // instants it was published and retired (and, when nothing was appended, the instant of the
      // version in force), which live in event metadata; the decider's state is folded from
      // `{type, data}` alone and `appended` holds only the new event.
      return { created: outcome === 'created', changed: outcome !== 'unchanged', procedure: await getProcedure(code) };
    },

    async retireProcedure(code: string, context: CommandContext) {
      const result = await handleCommand(
        store,
        procedureDecider,
        CatalogStreams.procedure(code),
        { type: 'RetireProcedure', data: { code } },
        context,
      );
      const appended = result.appended.at(-1);
      if (appended) await waitFor(appended.position);
      return getProcedure(code); // read again: see putProcedure
    },

    async importProcedures(rows: readonly ImportRow[], context: CommandContext, options: { dryRun?: boolean } = {}): Promise<ImportResult> {
      // 1. validate every row
      const { procedures, issues } = validateImport(rows);
      if (issues.length > 0) throw importRefused(issues);
      const counts = { imported: procedures.length, created: 0, updated: 0, unchanged: 0 };
      if (options.dryRun) return counts;
      // 2. publish, a few streams at a time
      let next = 0;
      let last = 0;
      const worker = async () => {
        while (next < procedures.length) {
          const p = procedures[next++]!;
          const { outcome, position } = await publish(p.code, p.record, p.effectiveFrom, context);
          counts[outcome]++;
          if (position !== null) last = Math.max(last, position);
        }
      };
      await Promise.all(Array.from({ length: Math.min(deps.importConcurrency ?? 16, procedures.length) }, worker));
      // 3. read-your-writes for the search
      if (last > 0) await waitFor(last);
      return counts;
    },

    getCalendarYear,

    async setCalendarYear(year: number, body: unknown, context: CommandContext): Promise<CalendarYearDocument> {
      const result = validateCalendarYear(year, body);
      if (!result.success) {
        const errors = result.issues.map((i) => ({
          path: `body/${i.path.replace(/\[(\d+)\]/g, '/$1')}`,
          message: i.value === undefined ? i.message : `${i.message} (${JSON.stringify(i.value)})`,
        }));
        throw validationError(`invalid calendar year ${year}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
      }
      const command = await handleCommand(
        store,
        calendarDecider,
        CatalogStreams.calendar(year),
        { type: 'SetCalendarYear', data: result.data },
        context,
      );
      const appended = command.appended.at(-1);
      if (appended) await deps.waitForCalendar(appended.position);
      return getCalendarYear(year);
    },

    async deadline(from: Date, input: { days?: number | undefined; code?: string | undefined }) {
      let days = input.days;
      let procedure: { code: string; version: number } | undefined;
      if (input.code !== undefined) {
        const events = await store.readStream(CatalogStreams.procedure(input.code));
        const lookup = procedureLookupAt(events, from);
        if (!lookup.found) throw notFound(notInForceMessage(input.code, from, lookup));
        procedure = { code: input.code, version: lookup.procedure.version };
        days ??= lookup.procedure.processingDays;
      }
      if (days === undefined)
        throw validationError('give days or code', [{ path: 'querystring/days', message: 'is required without code' }]);
      let dueAt: Date;
      try {
        dueAt = calendar.addWorkingDays(from, days);
      } catch (error) {
        // The calendar (data and lunar default) covers MIN_YEAR–MAX_YEAR; past it is the caller's range, not a fault.
        if (error instanceof RangeError) throw unprocessable(`the working-day calendar covers ${MIN_YEAR}–${MAX_YEAR}: ${error.message}`);
        throw error;
      }
      return { from: from.toISOString(), days, dueAt: dueAt.toISOString(), ...(procedure ? { procedure } : {}) };
    },
  };
}

const MAX_LISTED = 50;

function importRefused(issues: readonly ImportIssue[]): AppError {
  const rows = new Set(issues.map((i) => i.row)).size;
  const shown = issues
    .slice(0, MAX_LISTED)
    .map((i) => `${i.line !== undefined ? `line ${i.line}` : `row ${i.row}`}${i.code ? ` (${i.code})` : ''} ${i.field}: ${i.message}`);
  const more = issues.length > MAX_LISTED ? `; and ${issues.length - MAX_LISTED} more (see errors)` : '';
  return new AppError('LT_VALIDATION', `import refused, nothing was written: ${rows} row(s) with errors: ${shown.join('; ')}${more}`, {
    errors: issues,
    extensions: { badRows: [...new Set(issues.map((i) => i.row))] },
  });
}
