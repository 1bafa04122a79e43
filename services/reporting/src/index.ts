export type { ReportingEvent } from './domain/events.js';

export { reportingModule } from './module.js';
export { recomputePeriod, reportingProjection } from './projections/reporting-projection.js';
export { reportingView } from './projections/reporting-view.js';
