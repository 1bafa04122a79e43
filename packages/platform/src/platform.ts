import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openEventStore, type EventStore } from '@lienthong/event-store';
import { createSqliteCheckpointStore, openBus, startRelay, type Bus, type Relay } from '@lienthong/bus';
import { createProjectionRunner, lockReadModels, type ProjectionRunner } from '@lienthong/projections';
import {
  createHttpApp,
  createLogger,
  createMetrics,
  instrumentStore,
  readOrCreateFile,
  shutdown,
  type Closer,
  type Config,
  type Logger,
  type ReadinessCheck,
} from '@lienthong/service-kit';
import { directoryProjection, directoryView } from '@lienthong/directory';
import { createSessionGuard } from './session-guard.js';
import { adminTokenFor } from './admin-token.js';
import { adminRoutes } from './admin-routes.js';
import { directoryModule } from './directory-module.js';
import { auditRoutes } from './audit-routes.js';
import { loadHubKey } from './hub-key.js';
import { checkSecretsFingerprint, prepareSecrets } from './deployment-secrets.js';
import type { AggregateType, Platform, ServiceModule, ServiceModuleFactory } from './types.js';

export interface RunningHub {
  readonly app: FastifyInstance;
  readonly platform: Platform;
  readonly modules: readonly ServiceModule[];
  readonly adminToken: string;
  /** Graceful stop: intake, relays, modules, projections, bus, store. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly title: string;
  readonly logger?: Logger;
  /** Relay this deployment's streams to the bus (default true). */
  readonly relay?: boolean;
  /**
   * This process's read-model folder, `<dataDir>/projections/<readModels>` (default `hub`), held
   * by one process at a time: a service started alone beside the hub on one data directory
   * names its own (its service name), the CLI shares the hub's and so runs only while it is stopped.
   */
  readonly readModels?: string;
}

/**
 * Opens the store, the bus and the directory read model, builds one Fastify app and mounts the
 * given services on it. The all-in-one host passes every service; a service alone passes itself.
 */
export async function startPlatform(
  config: Config,
  factories: readonly ServiceModuleFactory[],
  options: StartOptions,
): Promise<RunningHub> {
  const readModels = options.readModels ?? 'hub';
  const projectionsDir = join(config.dataDir, 'projections', readModels);
  mkdirSync(projectionsDir, { recursive: true });
  // First, before anything is opened: a second process on these read models is refused whole.
  const readModelsLock = lockReadModels(projectionsDir);
  try {
    return await startLocked(config, factories, options, { readModels, projectionsDir, release: () => readModelsLock.release() });
  } catch (error) {
    readModelsLock.release();
    throw error;
  }
}

async function startLocked(
  config: Config,
  factories: readonly ServiceModuleFactory[],
  options: StartOptions,
  { readModels, projectionsDir, release }: { readModels: string; projectionsDir: string; release: () => void },
): Promise<RunningHub> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  const closers: Closer[] = [];
  // Bus-fed read models consume with durables of their own: each folder is fed every event,
  // whatever other processes (other folders, other machines) consume the same service's events.
  const instanceId = readOrCreateFile(join(config.dataDir, 'instance-id'), () => `${randomUUID()}\n`).content.trim();
  // Before any secret is loaded (and so created): on a shared store, the deployment's own set or nothing.
  const secretsFingerprint = prepareSecrets(config);
  const hubKey = loadHubKey(config.secretsDir);
  const rawStore: EventStore = await openEventStore({
    url: config.eventStoreUrl,
    dataDir: config.dataDir,
    operationTimeoutMs: config.eventStoreTimeoutMs,
    sync: config.sqliteSync,
    logger: logger.child({ component: 'event-store' }),
    sealing: { privateKey: hubKey.privateKey, every: config.sealEvery, intervalMs: config.sealIntervalMs },
  });
  try {
    if (secretsFingerprint !== null) await checkSecretsFingerprint(rawStore, secretsFingerprint, config, logger);
  } catch (error) {
    await rawStore.close();
    throw error;
  }
  const bus: Bus = await openBus({
    natsServers: config.natsServers,
    natsReplicas: config.natsReplicas,
    dataDir: config.dataDir,
    logger: logger.child({ component: 'bus' }),
    store: rawStore, // the relays' events are logged by reference (the in-process bus)
  });
  const checkpoints = createSqliteCheckpointStore(join(config.dataDir, 'relay-checkpoints.sqlite'));
  const ownerOf: Array<{ prefix: string; service: string }> = [];
  const store = instrumentStore(rawStore, metrics, (stream) => ownerOf.find((o) => stream.startsWith(o.prefix))?.service ?? 'unknown');
  const projections = new Map<string, ProjectionRunner>();
  const aggregates: AggregateType[] = [];

  const startProjection: Platform['projection'] = async (projection, feed) => {
    if (projections.has(projection.name)) throw new Error(`projection ${projection.name} registered twice`);
    // This instance's own durable: the server drops it once the process is gone for good.
    const ownFeed =
      feed?.kind === 'bus'
        ? { ...feed, durable: `${feed.durable}-${readModels}-${instanceId}`, expireAfterMs: config.natsConsumerExpiryMs }
        : feed;
    const runner = createProjectionRunner({
      projection,
      store,
      dir: projectionsDir,
      logger: logger.child({ projection: projection.name }),
      ...(ownFeed ? { feed: ownFeed } : {}),
    });
    await runner.start();
    projections.set(projection.name, runner);
    return runner;
  };
  metrics.onCollect(async () => {
    for (const runner of projections.values()) metrics.projectionLag.set({ projection: runner.name }, (await runner.status()).lag);
  });

  const directoryRunner = await startProjection(directoryProjection);
  const directory = directoryView(() => directoryRunner.db());
  const sessions = createSessionGuard(directory, {
    logger: logger.child({ component: 'sessions' }),
    onEnd: (session) => metrics.websocketsDropped.inc({ endpoint: session.endpoint, reason: 'revoked' }),
  });
  const platform: Platform = {
    config,
    logger,
    metrics,
    store,
    bus,
    checkpoints,
    projectionsDir,
    projections,
    aggregates,
    directory,
    sessions,
    projection: startProjection,
  };

  // Read at each request: the modules' own checks (the blob store…) are added as they mount.
  const readiness: ReadinessCheck[] = [
    { name: 'eventStore', check: () => rawStore.ping() },
    { name: 'bus', check: () => bus.ping() },
  ];
  const adminToken = adminTokenFor(config.adminToken, config.dataDir, logger);
  const app = await createHttpApp({
    title: options.title,
    logger,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    trustProxy: config.trustProxy,
    auth: {
      adminToken,
      resolveToken: (hash) => platform.directory.principalByTokenHash(hash),
      credentialsEpoch: () => platform.directory.credentialsEpoch(),
    },
    readiness,
  });

  const modules: ServiceModule[] = [];
  // Every process keeps the directory's read model for authentication, so every process serves
  // its routes too: behind a load balancer, any replica of any service takes an admin's call.
  const mounted = factories.includes(directoryModule) ? factories : [directoryModule, ...factories];
  for (const factory of mounted) {
    const module = await factory(platform);
    modules.push(module);
    for (const prefix of module.streamPrefixes) ownerOf.push({ prefix, service: module.name });
    aggregates.push(...(module.aggregates ?? []));
    readiness.push(...(module.readiness ?? []));
    await module.register(app);
  }
  await app.register(adminRoutes, { platform });
  await app.register(auditRoutes, { platform });
  await app.ready();

  for (const module of modules) await module.start?.();
  const relays: Closer[] = [];
  if (options.relay !== false)
    for (const module of modules.filter((m) => m.streamPrefixes.length > 0)) {
      const relay: Relay = await startRelay({
        store: rawStore,
        bus,
        service: module.name,
        streamPrefixes: module.streamPrefixes,
        checkpoints,
        logger: logger.child({ relay: module.name }),
      });
      relays.push({ name: `relay ${module.name}`, close: () => relay.stop() });
    }

  closers.push(
    ...relays,
    { name: 'sessions', close: async () => sessions.close() },
    ...modules.filter((m) => m.stop !== undefined).map((m) => ({ name: m.name, close: () => m.stop!() })),
    ...[...projections.values()].map((r) => ({ name: `projection ${r.name}`, close: () => r.stop() })),
    { name: 'checkpoints', close: async () => checkpoints.close?.() },
    { name: 'bus', close: () => bus.close() },
    { name: 'event store', close: () => rawStore.close() },
    { name: 'read models lock', close: async () => release() },
  );
  return { app, platform, modules, adminToken, close: () => shutdown(app, closers, logger) };
}
