import type { ServiceModuleFactory } from '@lienthong/platform';

/** Status tracker for citizens (tra cứu hồ sơ) and the counters' live board. */
export const statusTrackerModule: ServiceModuleFactory = () => ({
  name: 'status-tracker',
  streamPrefixes: [],
  register: async () => {},
});
