import { loadConfig, serve } from '@lienthong/service-kit';
import { startPlatform, type ServiceModuleFactory } from '@lienthong/platform';
import { federationModule } from './module.js';

/** Runs the federation service alone, against LT_EVENTSTORE and LT_NATS_URL. */
const config = loadConfig();
const modules: ServiceModuleFactory[] = [federationModule];
const hub = await startPlatform(config, modules, { title: 'lienthong federation', readModels: 'federation' });
await serve(hub.app, { port: config.port, host: config.host, stop: () => hub.close(), logger: hub.platform.logger });
