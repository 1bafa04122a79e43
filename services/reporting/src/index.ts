export type { CutOff, Frequency, Period, ReportingLevel, Window } from './domain/periods.js';
export type { ReportingEvent } from './domain/events.js';
export type { ReportingModuleOptions } from './module.js';
export type { ReportingView } from './projections/reporting-view.js';

export { formatPeriod, parsePeriod, periodAt, submitByOf, windowOf } from './domain/periods.js';
export { createReportingModule, reportingModule } from './module.js';
export { recomputePeriod, recomputeWithAncestors, reportingProjection } from './projections/reporting-projection.js';
export { reportingView } from './projections/reporting-view.js';
