export type { ServiceModuleFactory } from './types.js';
export type { RunningHub } from './platform.js';
export type { SessionGuard } from './session-guard.js';
export type { HubPublicKey } from './hub-key.js';

export { startPlatform } from './platform.js';
export { directoryModule } from './directory-module.js';
export { endSocket } from './session-guard.js';
export * as audit from './audit/index.js';
export { loadHubKey, readHubPublicKey } from './hub-key.js';
