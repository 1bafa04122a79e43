export type {
  Bus,
  ConsumeOptions,
  Consumer,
  DeliveryInfo,
  EventHandler,
  PublishOptions,
  ServiceName,
} from './types.js';
export type { BusLogger } from './logger.js';
export type { NatsBusOptions } from './nats-bus.js';
export type { PruneOptions, SqliteBus, SqliteBusOptions } from './sqlite-bus.js';
export type { CheckpointStore } from './checkpoint-store.js';
export type { Relay, RelayOptions } from './relay.js';
export type { OpenBusOptions } from './open-bus.js';

export { BusUnavailableError, subjectFor } from './types.js';
export { silentLogger } from './logger.js';
export { STREAM_NAME, STREAM_SUBJECTS, createNatsBus } from './nats-bus.js';
export { createSqliteBus } from './sqlite-bus.js';
export { createSqliteCheckpointStore } from './checkpoint-store.js';
export { startRelay } from './relay.js';
export { openBus } from './open-bus.js';
