import type { ServiceModuleFactory } from '@lienthong/platform';

/** edXML document routing between vendor document systems (văn bản điện tử liên thông). */
export const documentRoutingModule: ServiceModuleFactory = () => ({
  name: 'document-routing',
  streamPrefixes: ['document-', 'delivery-'],
  register: async () => {},
});
