import { loadConfig, serve } from '@lienthong/service-kit';
import { startPlatform, type ServiceModuleFactory } from '@lienthong/platform';
import { reportingModule } from './module.js';

/** Runs the reporting service alone, against LT_EVENTSTORE and LT_NATS_URL (the directory's read model comes with the platform). */
const config = loadConfig();
const modules: ServiceModuleFactory[] = [reportingModule];
const hub = await startPlatform(config, modules, { title: 'lienthong reporting', readModels: 'reporting' });
await serve(hub.app, { port: config.port, host: config.host, stop: () => hub.close(), logger: hub.platform.logger });
