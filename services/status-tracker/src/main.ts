import { loadConfig, serve } from '@lienthong/service-kit';
import { startPlatform, type ServiceModuleFactory } from '@lienthong/platform';
import { statusTrackerModule } from './module.js';

/** Runs the status-tracker service alone, against LT_EVENTSTORE and LT_NATS_URL. */
const config = loadConfig();
const modules: ServiceModuleFactory[] = [statusTrackerModule];
const hub = await startPlatform(config, modules, { title: 'lienthong status-tracker', readModels: 'status-tracker' });
await serve(hub.app, { port: config.port, host: config.host, stop: () => hub.close(), logger: hub.platform.logger });
