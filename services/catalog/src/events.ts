/**
 * The catalog's events: the contract other services (dossiers) replicate over the bus.
 * Procedures (thủ tục hành chính) live in one stream per code, `procedure-<code>`; the
 * working-day calendar in one stream per year, `calendar-<year>`.
 */

/** Levels of government that implement a procedure: tỉnh, huyện, xã. */
export const AgencyLevels = ['province', 'district', 'commune'] as const;
export type AgencyLevel = (typeof AgencyLevels)[number];

/** Online service level per Decree 42/2022: `full` (toàn trình) or `partial` (một phần). */
export const OnlineLevels = ['full', 'partial'] as const;
export type OnlineLevel = (typeof OnlineLevels)[number];

/** A fee or charge (phí, lệ phí), amount in VND. */
export interface ProcedureFee {
  readonly description: string;
  readonly amount: number;
}

/**
 * A dossier component (thành phần hồ sơ): how many copies, which form (mẫu đơn, tờ khai) and, for
 * online submission, whether a file is required, which media types it may have and its size limit.
 */
export interface ProcedureComponent {
  readonly name: string;
  readonly copies?: number;
  readonly form?: string;
  /** An online submission must attach a file for it (default: false). */
  readonly required?: boolean;
  /** Media types accepted online, sniffed from the bytes (default: any of SPEC §7's list). */
  readonly mediaTypes?: readonly string[];
  /** Largest file accepted online, in MB (default: the portal's limit). */
  readonly maxSizeMb?: number;
}

/** The full record of one procedure version, as given by `PUT /v1/catalog/procedures/:code`. */
export interface ProcedureRecord {
  /** Name (tên thủ tục). */
  readonly name: string;
  /** Field (lĩnh vực), e.g. `Hộ tịch`. */
  readonly field: string;
  readonly agencyLevels: readonly AgencyLevel[];
  /** Processing time in working days (may be fractional: 0.5 = 4 office hours). */
  readonly processingDays: number;
  readonly fees: readonly ProcedureFee[];
  readonly components: readonly ProcedureComponent[];
  /** Result of the procedure (kết quả), e.g. `Giấy khai sinh`. */
  readonly result: string | null;
  /** Legal basis (căn cứ pháp lý). */
  readonly legalBasis: readonly string[];
  readonly onlineLevel: OnlineLevel;
  /** The JSON Schema (draft-07) of the e-form (tờ khai điện tử) an online submission fills; checked when PUT. */
  readonly form?: Readonly<Record<string, unknown>>;
}

/**
 * A new version of a procedure, legally in force from `effectiveFrom` (an ISO instant; the
 * version that applies to a dossier is chosen by it, see `procedureLookupAt`). Events stored
 * before the field existed lack it: they are in force from their `metadata.at`. Versions count 1, 2, …
 */
export type ProcedurePublished = {
  readonly type: 'ProcedurePublished';
  readonly data: ProcedureRecord & { readonly code: string; readonly version: number; readonly effectiveFrom?: string };
};

/** The procedure is withdrawn from `metadata.at` (until a later publication); `version` is the one retired. */
export type ProcedureRetired = {
  readonly type: 'ProcedureRetired';
  readonly data: { readonly code: string; readonly version: number };
};

export type ProcedureEvent = ProcedurePublished | ProcedureRetired;

/** The announced days off and swapped working days of one year, set by an admin. Replaces the whole year. */
export type CalendarYearSet = {
  readonly type: 'CalendarYearSet';
  readonly data: { readonly year: number; readonly holidays: readonly string[]; readonly workingDays: readonly string[] };
};

export type CalendarEvent = CalendarYearSet;
export type CatalogEvent = ProcedureEvent | CalendarEvent;

export const CatalogStreams = {
  procedure: (code: string) => `procedure-${code}`,
  calendar: (year: number) => `calendar-${year}`,
} as const;

/** Stream prefixes owned by the catalog (relayed to the bus as `lt.evt.catalog.<EventType>`). */
export const CATALOG_STREAM_PREFIXES = ['procedure-', 'calendar-'] as const;
