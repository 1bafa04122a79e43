export type {
  AgencyLevel,
  CalendarEvent,
  CalendarYearSet,
  CatalogEvent,
  OnlineLevel,
  ProcedureComponent,
  ProcedureEvent,
  ProcedureFee,
  ProcedurePublished,
  ProcedureRecord,
  ProcedureRetired,
} from './events.js';
export type { ProcedureEventEnvelope, ProcedureInForce, ProcedureLookupAt, ProcedureNotInForce, ProcedureVersionInfo } from './domain/in-force.js';
export type { ProcedureCommand, ProcedureState, PublishProcedure, RetireProcedure } from './domain/procedure-decider.js';
export type { CalendarCommand, CalendarState, SetCalendarYear } from './domain/calendar-decider.js';
export type { AdminCalendarYear, CalendarReplica } from './projections/calendar-replica.js';
export type { ProcedureView } from './projections/procedure-projection.js';
export type { IndexedProcedure, ProcedureSummary, SearchQuery, SearchResult } from './search/search-index.js';
export type { CalendarYearDocument, CatalogService, ImportResult, ProcedureDocument } from './catalog-service.js';

export { AgencyLevels, CATALOG_STREAM_PREFIXES, CatalogStreams, OnlineLevels } from './events.js';
export { effectiveFromOf, notInForceMessage, procedureInForce, procedureLookupAt, procedureVersions } from './domain/in-force.js';
export { PROCEDURE_CODE_PATTERN, effectiveInstant, isProcedureCode, procedureCodeSchema, procedureRecordSchema, sameRecord } from './domain/procedure.js';
export { procedureDecider } from './domain/procedure-decider.js';
export { calendarDecider } from './domain/calendar-decider.js';
export { createCalendarReplica } from './projections/calendar-replica.js';
export { procedureProjection, procedureView } from './projections/procedure-projection.js';
export { foldText } from './search/fold.js';
export { indexed, searchProcedures } from './search/search-index.js';
export { createCatalogService } from './catalog-service.js';
export { catalogModule } from './module.js';
