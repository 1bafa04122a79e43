import { loadConfig, serve } from '@lienthong/service-kit';
import { startPlatform, type ServiceModuleFactory } from '@lienthong/platform';
import { connectorsModule } from './module.js';

/** Runs the connectors service alone, against LT_EVENTSTORE (the same store as the hub's). */
const config = loadConfig();
const modules: ServiceModuleFactory[] = [connectorsModule];
const hub = await startPlatform(config, modules, { title: 'lienthong connectors', readModels: 'connectors' });
await serve(hub.app, { port: config.port, host: config.host, stop: () => hub.close(), logger: hub.platform.logger });
