/**
 * The online-submission benchmark's hub: directory, catalog and dossiers in one process, as the
 * all-in-one hub mounts them, with the per-client rate limits of the public routes lifted (every
 * request of the benchmark comes from one address).
 */
import { loadConfig, serve } from '@lienthong/service-kit';
import { directoryModule, startPlatform } from '@lienthong/platform';
import { catalogModule } from '@lienthong/catalog';
import { createDossiersModule } from '@lienthong/dossiers';

const config = loadConfig();
const dossiers = createDossiersModule({ online: { perMinute: 1_000_000_000, failures: 1_000_000_000 } });
const hub = await startPlatform(config, [directoryModule, catalogModule, dossiers], { title: 'lienthong bench', readModels: 'hub' });
await serve(hub.app, { port: config.port, host: config.host, stop: () => hub.close(), logger: hub.platform.logger });
