export type { EventMetadata, EventStore, NewEvent, RecordedEvent, Subscription } from './types.js';
export type { Seal } from './seal.js';
export type { SyncMode } from './sqlite-schema.js';

export { ExpectedRevision } from './types.js';
export { StoreUnavailableError, WrongExpectedRevisionError, isWrongExpectedRevision } from './errors.js';
export { GENESIS_HASH, hashEvent } from './hash.js';
export {
  CHAIN_START,
  foldChain,
  keyIdOf,
  parseSeal,
  rawPublicKey,
  sealDifferences,
  sealSignatureHolds,
  shortSeal,
  signSeal,
} from './seal.js';
export { SEAL_COLUMNS, adoptSqliteStore } from './sqlite-seals.js';
export { createSqliteEventStore } from './sqlite-event-store.js';
export { openEventStore } from './open-event-store.js';
export { subscriptionBatches } from './batches.js';
export { checkpointInBackground } from './wal-checkpointer.js';
