export type { ProcedureEvent } from './events.js';
export type { ProcedureEventEnvelope, ProcedureNotInForce } from './domain/in-force.js';
export type { SearchQuery } from './search/search-index.js';
export type { CompiledEForm } from './domain/eform.js';

export { CATALOG_STREAM_PREFIXES } from './events.js';
export { notInForceMessage, procedureLookupAt } from './domain/in-force.js';
export { compileEForm } from './domain/eform.js';
export { createCalendarReplica } from './projections/calendar-replica.js';
export { procedureProjection, procedureView } from './projections/procedure-projection.js';
export { foldText } from './search/fold.js';
export { catalogModule } from './module.js';
