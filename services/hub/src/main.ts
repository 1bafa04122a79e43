import { loadConfig, serve } from '@lienthong/service-kit';
import { startPlatform } from '@lienthong/platform';
import { allModules } from './modules.js';

/** The all-in-one hub: every service in one process, embedded SQLite store and in-process bus by default. */
const config = loadConfig();
const hub = await startPlatform(config, allModules, { title: 'lienthong hub' });
await serve(hub.app, { port: config.port, host: config.host, stop: () => hub.close(), logger: hub.platform.logger });
