export type { FederationHandle } from './module.js';
export { createFederationModule } from './module.js';
