/**
 * The part of the catalog's event contract this service replicates (the catalog owns it in
 * `services/catalog/src/events.ts`; mirrored here so the dossiers service builds alone).
 * Streams `procedure-<code>` and `calendar-<year>`, relayed as `lt.evt.catalog.<EventType>`.
 */
export type ProcedurePublished = {
  readonly type: 'ProcedurePublished';
  readonly data: {
    readonly code: string;
    readonly version: number;
    readonly name: string;
    readonly field: string;
    /** Working days, may be fractional. */
    readonly processingDays: number;
    readonly [key: string]: unknown;
  };
};
export type ProcedureRetired = { readonly type: 'ProcedureRetired'; readonly data: { readonly code: string; readonly version: number } };
export type CalendarYearSet = {
  readonly type: 'CalendarYearSet';
  readonly data: { readonly year: number; readonly holidays: readonly string[]; readonly workingDays: readonly string[] };
};
export type CatalogEvent = ProcedurePublished | ProcedureRetired | CalendarYearSet;

export const CATALOG_STREAM_PREFIXES = ['procedure-', 'calendar-'] as const;
