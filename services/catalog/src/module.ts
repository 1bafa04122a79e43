import type { ServiceModuleFactory } from '@lienthong/platform';
import { aggregateType as aggregate } from '@lienthong/decider';
import { createWorkingCalendar } from '@lienthong/calendar';
import { CATALOG_STREAM_PREFIXES } from './events.js';
import { procedureDecider } from './domain/procedure-decider.js';
import { calendarDecider } from './domain/calendar-decider.js';
import { procedureProjection, procedureView } from './projections/procedure-projection.js';
import { createCalendarReplica } from './projections/calendar-replica.js';
import { createCatalogService } from './catalog-service.js';
import { catalogRoutes } from './http/routes.js';

/** Public-service catalog (thủ tục hành chính) and the working-day calendar. */
export const catalogModule: ServiceModuleFactory = async (platform) => {
  const calendar = createWorkingCalendar();
  const replica = createCalendarReplica(calendar, { name: 'catalog-calendar' });
  const procedures = await platform.projection(procedureProjection);
  const calendarRunner = await platform.projection(replica.projection);
  replica.load(calendarRunner.db());
  const view = procedureView(() => procedures.db());
  const service = createCatalogService({
    store: platform.store,
    calendar,
    adminYear: (year) => replica.adminYear(calendarRunner.db(), year),
    waitForProcedures: (position) => procedures.waitFor(position),
    waitForCalendar: (position) => calendarRunner.waitFor(position),
  });
  return {
    name: 'catalog',
    streamPrefixes: CATALOG_STREAM_PREFIXES,
    aggregates: [aggregate('procedure', 'procedure-', procedureDecider), aggregate('calendar-year', 'calendar-', calendarDecider)],
    register: async (app) => {
      await app.register(catalogRoutes, { service, view });
    },
  };
};
