export type { CutOff, Frequency, Period, ReportingLevel, Window } from './domain/periods.js';
export type { ReportingModuleOptions } from './module.js';

export { formatPeriod, parsePeriod, periodAt, submitByOf, windowOf } from './domain/periods.js';
export { createReportingModule, reportingModule } from './module.js';
