import {
  createDirectoryService,
  directoryRoutes,
  DIRECTORY_STREAM_PREFIXES,
  agencyDecider,
  staffDecider,
  systemDecider,
} from '@lienthong/directory';
import { aggregateType as aggregate } from '@lienthong/decider';
import type { ServiceModuleFactory } from './types.js';

/** Directory and credentials: served by the host (every service keeps a read replica for auth). */
export const directoryModule: ServiceModuleFactory = (platform) => {
  const runner = platform.projections.get('directory')!;
  const service = createDirectoryService({ store: platform.store, view: platform.directory, waitFor: (p) => runner.waitFor(p) });
  return {
    name: 'directory',
    streamPrefixes: DIRECTORY_STREAM_PREFIXES,
    aggregates: [
      aggregate('agency', 'agency-', agencyDecider),
      aggregate('system', 'system-', systemDecider),
      aggregate('staff', 'staff-', staffDecider),
    ],
    register: async (app) => {
      await app.register(directoryRoutes, { service, view: platform.directory });
    },
  };
};
