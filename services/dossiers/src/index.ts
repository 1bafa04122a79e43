export type { DossiersModuleOptions } from './module.js';

export { createDossiersModule, dossiersModule } from './module.js';
