import { loadConfig, serve } from '@lienthong/service-kit';
import { startPlatform, type ServiceModuleFactory } from '@lienthong/platform';
import { dossiersModule } from './module.js';

/** Runs the dossiers service alone, against LT_EVENTSTORE and LT_NATS_URL. */
const config = loadConfig();
const modules: ServiceModuleFactory[] = [dossiersModule];
const hub = await startPlatform(config, modules, { title: 'lienthong dossiers', readModels: 'dossiers' });
await serve(hub.app, { port: config.port, host: config.host, stop: () => hub.close(), logger: hub.platform.logger });
