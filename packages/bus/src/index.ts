export type { Bus, Consumer } from './types.js';
export type { CheckpointStore } from './checkpoint-store.js';
export type { Relay } from './relay.js';
export type { SubscriptionLoop } from './subscription-loop.js';

export { BusUnavailableError } from './types.js';
export { createSqliteCheckpointStore } from './checkpoint-store.js';
export { startRelay } from './relay.js';
export { lagAfter, startSubscriptionLoop } from './subscription-loop.js';
export { openBus } from './open-bus.js';
