// The audit namespace of @lienthong/platform (`audit.verifyChains`, …): what the CLI and the audit routes use.
export type { BrokenLink, ChainEvent, ParsedEvent } from './chain.js';
export type { ChainSource } from './sources.js';
export type { VerifyReport } from './verify.js';

export { ChainChecker } from './chain.js';
export { sqliteChainSource, sqliteFileOf, storeChainSource } from './sources.js';
export { verifyChains } from './verify.js';
export { AS_OF_PATTERN, INSTANT_PATTERN, aggregateOf, historicState, parseAsOf } from './time-travel.js';
