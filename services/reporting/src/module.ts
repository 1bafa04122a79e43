import type { ServiceModuleFactory } from '@lienthong/platform';
import { aggregateType } from '@lienthong/decider';
import { loadSecret } from '@lienthong/dossier-contract';
import { createSignedTokens, createTicketStore } from '@lienthong/service-kit';
import { indicatorDecider, regimeDecider } from './domain/definition-deciders.js';
import { REPORTING_STREAM_PREFIXES } from './domain/events.js';
import { periodDecider } from './domain/period-decider.js';
import { reportDecider } from './domain/report-decider.js';
import { pageLoginRoutes, type ReportingGrant } from './http/page-login.js';
import { reportingPages } from './http/pages.js';
import { reportingRoutes } from './http/routes.js';
import { createPeriodScheduler } from './period-scheduler.js';
import { hubFactsProjection, hubValues } from './projections/hub-facts-projection.js';
import { reportingProjection } from './projections/reporting-projection.js';
import { reportingView } from './projections/reporting-view.js';
import { createReportingService } from './reporting-service.js';

export interface ReportingModuleOptions {
  /** "Now" for periods, deadlines and decisions (tests move it); defaults to the system clock. */
  readonly clock?: () => Date;
  /** Longest sleep of the period scheduler between scans (default 60 s). */
  readonly schedulerIntervalMs?: number;
  /** The token of the document system `…/send` posts as (default: `LT_REPORTING_SYSTEM_TOKEN`). */
  readonly systemToken?: () => string | undefined;
  /** Life of a /bao-cao ticket (default 60 s). */
  readonly ticketTtlMs?: number;
  /** Life of the page session a ticket opens (default 30 min); the page then asks for a new ticket. */
  readonly pageSessionTtlMs?: number;
}

/** The provincial reporting information system (Decree 09/2019/NĐ-CP): indicators, regimes, periods, reports, aggregates. */
export function createReportingModule(options: ReportingModuleOptions = {}): ServiceModuleFactory {
  return async (platform) => {
    const clock = options.clock ?? (() => new Date());
    const runner = await platform.projection(reportingProjection);
    const hubFacts = await platform.projection(hubFactsProjection);
    const view = reportingView(() => runner.db());
    const service = createReportingService({
      store: platform.store,
      directory: platform.directory,
      view,
      clock,
      waitFor: (event) => runner.waitForEvent(event),
      hubValues: (agencyIds, from, to) => hubValues(hubFacts.db(), agencyIds, from, to, clock()),
    });
    const scheduler = createPeriodScheduler({
      service,
      clock,
      logger: platform.logger.child({ component: 'reporting-scheduler' }),
      ...(options.schedulerIntervalMs !== undefined ? { intervalMs: options.schedulerIntervalMs } : {}),
    });
    // Keys derived from the deployment's shared secret, one label per use: a ticket issued by one
    // replica opens the page on any other, and neither a board ticket nor a page cookie passes for a reporting ticket.
    const secret = loadSecret(platform.config.secretsDir, 'pin-hmac');
    const login = {
      tickets: createTicketStore<ReportingGrant>({ use: 'reporting-ticket', secret, ttlMs: options.ticketTtlMs ?? 60_000 }),
      pageTokens: createSignedTokens<ReportingGrant>({ use: 'reporting-page', secret }),
      pageTtlMs: options.pageSessionTtlMs ?? 30 * 60_000,
      directory: platform.directory,
    };
    return {
      name: 'reporting',
      streamPrefixes: REPORTING_STREAM_PREFIXES,
      aggregates: [
        aggregateType('indicator', 'indicator-', indicatorDecider),
        aggregateType('regime', 'regime-', regimeDecider),
        aggregateType('reporting-period', 'reportperiod-', periodDecider),
        aggregateType('report', 'report-', reportDecider),
      ],
      register: async (app) => {
        await app.register(reportingRoutes, {
          service,
          clock,
          systemToken: options.systemToken ?? (() => process.env.LT_REPORTING_SYSTEM_TOKEN || undefined),
          page: login,
        });
        await app.register(pageLoginRoutes, login);
        await app.register(reportingPages);
      },
      start: async () => scheduler.start(),
      stop: () => scheduler.stop(),
    };
  };
}

export const reportingModule: ServiceModuleFactory = createReportingModule();
