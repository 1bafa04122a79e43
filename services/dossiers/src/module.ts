import type { ServiceModuleFactory } from '@lienthong/platform';

/** One-stop-shop dossiers (hồ sơ một cửa): the legal workflow, deadlines and reports. */
export const dossiersModule: ServiceModuleFactory = () => ({
  name: 'dossiers',
  streamPrefixes: ['dossier-', 'dossiercode-'],
  register: async () => {},
});
