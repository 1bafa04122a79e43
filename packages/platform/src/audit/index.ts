export type { BrokenLink, ChainEvent, ChainEventBase, ChainHead, ChainCheckerOptions, ParsedEvent, StoredTextEvent } from './chain.js';
export { ChainChecker, hashStoredText } from './chain.js';
export type { ChainSource, RecordedHead } from './sources.js';
export { sqliteChainSource, sqliteFileOf, storeChainSource } from './sources.js';
export type { VerifyOptions, VerifyReport } from './verify.js';
export { UnknownStreamError, verifyChains } from './verify.js';
export type { AsOf, HistoricState } from './time-travel.js';
export { aggregateOf, historicState, parseAsOf } from './time-travel.js';
