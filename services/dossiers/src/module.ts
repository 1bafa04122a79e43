import type { ServiceModuleFactory } from '@lienthong/platform';
import { aggregateType } from '@lienthong/decider';
import { dossierDecider } from './domain/dossier-decider.js';
import { DOSSIER_STREAM_PREFIXES } from './domain/events.js';
import { createCodeIssuer } from './dossier-code.js';
import { createDossierService } from './dossier-service.js';
import { dossierRoutes } from './http/routes.js';
import { publicDossierRoutes, type OnlineLimits } from './http/public-routes.js';
import { portalRoutes } from './http/portal-routes.js';
import { openBlobStore } from '@lienthong/blob-store';
import { createOverdueScheduler } from './overdue-scheduler.js';
import { createCatalogReplica } from './projections/catalog-replica.js';
import { dossierQueueProjection } from './projections/dossier-queue.js';
import { dossierQueueView } from './projections/dossier-queue-view.js';
import { DOSSIER_STREAM_PREFIX, loadSecret } from '@lienthong/dossier-contract';
import { PAYMENT_REFUSAL_STREAM_PREFIX, PAYMENT_STREAM_PREFIX, paymentDecider } from './domain/payment-decider.js';
import { paymentSettingsFromEnv, type PaymentSettings } from './payments/payment-config.js';
import { paymentLedgerProjection } from './payments/payment-ledger.js';
import { paymentRoutes } from './payments/payment-routes.js';
import { createPaymentService } from './payments/payment-service.js';
import { vnpayProvider } from './payments/vnpay.js';
import { NOTIFICATION_STREAM_PREFIX, createNotifier, type NotifierSettings } from './notifications/notifier.js';

export interface DossiersModuleOptions {
  /** "Now" for decisions and deadlines (tests move it); defaults to the system clock. */
  readonly clock?: () => Date;
  /** Longest sleep of the overdue scheduler between scans (default 30 s). */
  readonly overdueIntervalMs?: number;
  /** Limits of online submission and of citizens' requests (SPEC §7). */
  readonly online?: Partial<OnlineLimits>;
  /** Online payment (default: from `LT_VNPAY_*`). */
  readonly payments?: PaymentSettings;
  /** E-mail notifications of online dossiers (default: `LT_SMTP_URL`, `LT_SMTP_FROM`); null: none. */
  readonly notifications?: NotifierSettings | null;
}

/** `LT_SMTP_URL` (unset: no e-mail) and `LT_SMTP_FROM`. */
function notifierSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifierSettings | null {
  const smtpUrl = env.LT_SMTP_URL || undefined;
  if (smtpUrl === undefined) return null;
  if (!/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) throw new Error('invalid configuration: LT_SMTP_URL must be smtp://… or smtps://…');
  return { smtpUrl, from: env.LT_SMTP_FROM || 'Một cửa điện tử <no-reply@localhost>' };
}

/** One-stop-shop dossiers (hồ sơ một cửa): the legal workflow, deadlines and reports. */
export function createDossiersModule(options: DossiersModuleOptions = {}): ServiceModuleFactory {
  return async (platform) => {
    const clock = options.clock ?? (() => new Date());
    const replica = createCatalogReplica();
    const replicaRunner = await platform.projection(replica.projection, {
      kind: 'bus',
      bus: platform.bus,
      durable: 'dossiers-catalog-replica',
      services: ['catalog'],
    });
    const queueRunner = await platform.projection(dossierQueueProjection);
    replica.load(replicaRunner.db());
    const catalog = { procedureAt: (code: string, at: Date) => replica.procedureAt(replicaRunner.db(), code, at) };
    const queue = dossierQueueView(() => queueRunner.db());
    const decider = dossierDecider;
    const { config } = platform;
    const blobs = await openBlobStore({ natsServers: config.natsServers, natsReplicas: config.natsReplicas, dataDir: config.dataDir });
    const service = createDossierService({
      store: platform.store,
      decider,
      directory: platform.directory,
      catalog,
      calendar: () => replica.calendar,
      queue,
      issueCode: createCodeIssuer(platform.store),
      keys: { pin: loadSecret(platform.config.secretsDir, 'pin-hmac'), applicant: loadSecret(platform.config.secretsDir, 'applicant') },
      clock,
      waitForQueue: (event) => queueRunner.waitForEvent(event),
    });
    const paymentSettings = options.payments ?? paymentSettingsFromEnv();
    const ledgerRunner = await platform.projection(paymentLedgerProjection);
    const payments = createPaymentService({
      store: platform.store,
      dossiers: service,
      provider: paymentSettings.vnpay ? vnpayProvider(paymentSettings.vnpay) : null,
      clock,
      logger: platform.logger.child({ component: 'payments' }),
    });
    const notifierSettings = options.notifications === undefined ? notifierSettingsFromEnv() : options.notifications;
    const notifier =
      notifierSettings &&
      createNotifier({
        store: platform.store,
        checkpoints: platform.checkpoints,
        settings: notifierSettings,
        applicantKey: loadSecret(platform.config.secretsDir, 'applicant'),
        logger: platform.logger.child({ component: 'notifications' }),
      });
    const scheduler = createOverdueScheduler({
      store: platform.store,
      decider,
      queue,
      clock,
      logger: platform.logger.child({ component: 'overdue-scheduler' }),
      ...(options.overdueIntervalMs !== undefined ? { intervalMs: options.overdueIntervalMs } : {}),
    });
    return {
      name: 'dossiers',
      streamPrefixes: [...DOSSIER_STREAM_PREFIXES, PAYMENT_STREAM_PREFIX, PAYMENT_REFUSAL_STREAM_PREFIX, NOTIFICATION_STREAM_PREFIX],
      aggregates: [
        aggregateType('dossier', DOSSIER_STREAM_PREFIX, decider),
        aggregateType('payment', PAYMENT_STREAM_PREFIX, paymentDecider),
      ],
      register: async (app) => {
        await app.register(dossierRoutes, { service });
        await app.register(publicDossierRoutes, {
          service,
          blobs,
          ...(options.online ? { limits: options.online } : {}),
          payments: { service: payments, returnUrl: paymentSettings.returnUrl },
        });
        await app.register(paymentRoutes, { payments, ledger: () => ledgerRunner.db(), directory: platform.directory });
        await app.register(portalRoutes, { directory: platform.directory });
      },
      start: async () => {
        scheduler.start();
        await notifier?.start();
      },
      stop: async () => {
        await notifier?.stop();
        await scheduler.stop();
        await blobs.close();
      },
    };
  };
}

export const dossiersModule: ServiceModuleFactory = createDossiersModule();
