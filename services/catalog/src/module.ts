import type { ServiceModuleFactory } from '@lienthong/platform';

/** Public-service catalog (thủ tục hành chính) and the working-day calendar. */
export const catalogModule: ServiceModuleFactory = () => ({
  name: 'catalog',
  streamPrefixes: ['procedure-', 'calendar-'],
  register: async () => {},
});
