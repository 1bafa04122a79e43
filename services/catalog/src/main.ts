import { loadConfig, serve } from '@lienthong/service-kit';
import { startPlatform, type ServiceModuleFactory } from '@lienthong/platform';
import { catalogModule } from './module.js';

/** Runs the catalog service alone, against LT_EVENTSTORE and LT_NATS_URL. */
const config = loadConfig();
const modules: ServiceModuleFactory[] = [catalogModule];
const hub = await startPlatform(config, modules, { title: 'lienthong catalog', readModels: 'catalog' });
await serve(hub.app, { port: config.port, host: config.host, stop: () => hub.close(), logger: hub.platform.logger });
