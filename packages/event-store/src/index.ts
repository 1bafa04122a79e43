export type {
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  ListStreamsOptions,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamInfo,
  StreamMetadata,
  SubscribeOptions,
  Subscription,
} from './types.js';
export { ExpectedRevision } from './types.js';
export {
  DuplicateEventIdError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
  isWrongExpectedRevision,
} from './errors.js';
export type { HashedFields } from './hash.js';
export { GENESIS_HASH, findBrokenLink, hashEvent } from './hash.js';
export { matchesExpected } from './expected-revision.js';
export type { Seal, SealKind, UnsignedSeal } from './seal.js';
export {
  CHAIN_START, SEAL_FORMAT, foldChain, keyIdOf, parseSeal, rawPublicKey, sealDifferences, sealPayload, sealSignatureHolds, shortSeal, signSeal,
} from './seal.js';
export type { AdoptOutcome, SealingOptions } from './sqlite-seals.js';
export { SEAL_COLUMNS, adoptSqliteStore } from './sqlite-seals.js';
export type { EventStoreLogger, SqliteEventStoreOptions } from './sqlite-event-store.js';
export { createSqliteEventStore } from './sqlite-event-store.js';
export type { SyncMode } from './sqlite-schema.js';
export { createEsdbEventStore } from './esdb-event-store.js';
export type { OpenEventStoreOptions } from './open-event-store.js';
export { openEventStore } from './open-event-store.js';
export { subscriptionBatches } from './batches.js';
export { checkpointInBackground } from './wal-checkpointer.js';
