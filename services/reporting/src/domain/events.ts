import type { CutOff, Frequency, ReportingLevel, Window } from './periods.js';

/**
 * The reporting service's events (Decree 09/2019/NĐ-CP). Streams:
 * `indicator-<code>` (versioned indicator), `regime-<code>` (versioned reporting regime),
 * `reportperiod-<regime>/<period>` (a period opened, once), `report-<regime>/<period>/<agencyId>`
 * (one agency's report and its workflow).
 */
export const ReportingStreams = {
  indicator: (code: string) => `indicator-${code}`,
  regime: (code: string) => `regime-${code}`,
  period: (regime: string, period: string) => `reportperiod-${regime}/${period}`,
  report: (regime: string, period: string, agencyId: string) => `report-${regime}/${period}/${agencyId}`,
} as const;
export const REPORTING_STREAM_PREFIXES = ['indicator-', 'regime-', 'reportperiod-', 'report-'] as const;

export const IndicatorKinds = ['integer', 'number', 'percent', 'text'] as const;
export type IndicatorKind = (typeof IndicatorKinds)[number];
export const Aggregations = ['sum', 'avg', 'min', 'max', 'ratio', 'none'] as const;
export type Aggregation = (typeof Aggregations)[number];

/** One indicator (chỉ tiêu) as given by `PUT /v1/reporting/indicators/:code`. */
export interface IndicatorRecord {
  readonly name: string;
  readonly unit: string;
  readonly kind: IndicatorKind;
  readonly aggregation: Aggregation;
  /** For `ratio`: the indicators whose sums are divided. */
  readonly numerator: string | null;
  readonly denominator: string | null;
  readonly decimals: number | null;
}

/** One reporting regime (chế độ báo cáo) as given by `PUT /v1/reporting/regimes/:code`. */
export interface RegimeRecord {
  readonly name: string;
  readonly legalBasis: string;
  readonly frequency: Frequency;
  readonly indicators: readonly string[];
  readonly levels: readonly ReportingLevel[];
  readonly submitBy: Partial<Record<ReportingLevel, number>>;
  readonly cutOff: CutOff | null;
}

export type IndicatorPublished = {
  readonly type: 'IndicatorPublished';
  readonly data: { readonly code: string; readonly version: number; readonly at: string } & IndicatorRecord;
};
export type RegimePublished = {
  readonly type: 'RegimePublished';
  readonly data: { readonly code: string; readonly version: number; readonly at: string } & RegimeRecord;
};
export type IndicatorEvent = IndicatorPublished;
export type RegimeEvent = RegimePublished;

/** An agency that owes a report for the period, as the directory placed it when the period opened. */
export interface OwingAgency {
  readonly agencyId: string;
  readonly name: string;
  readonly level: ReportingLevel;
  /** The reporting agency above it (accepts its report), or null for the top. */
  readonly parentId: string | null;
}

export type PeriodOpened = {
  readonly type: 'PeriodOpened';
  readonly data: {
    readonly regime: string;
    readonly regimeVersion: number;
    readonly period: string;
    readonly frequency: Frequency;
    readonly window: Window;
    /** Due date per reporting level of the regime. */
    readonly submitBy: Partial<Record<ReportingLevel, string>>;
    readonly indicators: readonly string[];
    readonly agencies: readonly OwingAgency[];
    readonly openedAt: string;
  };
};
export type PeriodClosed = {
  readonly type: 'PeriodClosed';
  readonly data: { readonly regime: string; readonly period: string; readonly at: string };
};
export type PeriodEvent = PeriodOpened | PeriodClosed;

/** A value of an indicator: a number, or text for `text` indicators. */
export type IndicatorValue = number | string;
export type ReportValues = Readonly<Record<string, IndicatorValue>>;

interface ReportKey {
  readonly regime: string;
  readonly period: string;
  readonly agencyId: string;
}
export type ValuesDrafted = {
  readonly type: 'ValuesDrafted';
  /** The values given, merged over the draft (a null removes one). */
  readonly data: ReportKey & { readonly values: Readonly<Record<string, IndicatorValue | null>>; readonly by: string; readonly at: string };
};
export type ReportSubmitted = {
  readonly type: 'ReportSubmitted';
  readonly data: ReportKey & { readonly by: string; readonly at: string; readonly onTime: boolean };
};
export type ReportAccepted = { readonly type: 'ReportAccepted'; readonly data: ReportKey & { readonly by: string; readonly at: string } };
export type ReportReturned = {
  readonly type: 'ReportReturned';
  readonly data: ReportKey & { readonly by: string; readonly at: string; readonly reason: string };
};
export type ReportReopened = {
  readonly type: 'ReportReopened';
  readonly data: ReportKey & { readonly by: string; readonly at: string; readonly reason: string };
};
export type ReportBecameOverdue = {
  readonly type: 'ReportBecameOverdue';
  readonly data: ReportKey & { readonly submitBy: string; readonly at: string };
};
export type ReportEvent = ValuesDrafted | ReportSubmitted | ReportAccepted | ReportReturned | ReportReopened | ReportBecameOverdue;
export type ReportingEvent = IndicatorEvent | RegimeEvent | PeriodEvent | ReportEvent;
