export type { CutOff, Frequency, Period, ReportingLevel, Window } from './domain/periods.js';

export { formatPeriod, parsePeriod, periodAt, submitByOf, windowOf } from './domain/periods.js';
