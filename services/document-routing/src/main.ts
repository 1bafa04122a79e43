import { loadConfig, serve } from '@lienthong/service-kit';
import { startPlatform, type ServiceModuleFactory } from '@lienthong/platform';
import { documentRoutingModule } from './module.js';

/** Runs the document-routing service alone, against LT_EVENTSTORE and LT_NATS_URL. */
const config = loadConfig();
const modules: ServiceModuleFactory[] = [documentRoutingModule];
const hub = await startPlatform(config, modules, { title: 'lienthong document-routing', readModels: 'document-routing' });
await serve(hub.app, { port: config.port, host: config.host, stop: () => hub.close(), logger: hub.platform.logger });
