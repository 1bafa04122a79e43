export type { AggregateType, Platform, ServiceModule, ServiceModuleFactory } from './types.js';
export type { RunningHub, StartOptions } from './platform.js';
export { startPlatform } from './platform.js';
export { directoryModule } from './directory-module.js';
export type { ClosableSocket, GuardedSession, SessionGuard } from './session-guard.js';
export { endSocket } from './session-guard.js';
export * as audit from './audit/index.js';
export type { HubKey, HubPublicKey } from './hub-key.js';
export { HUB_KEY_FILE, hubKeyFile, loadHubKey, readHubPublicKey } from './hub-key.js';
