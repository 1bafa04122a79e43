export type { AggregateType } from './aggregate-type.js';
export type { Decider } from './decider.js';
export type { CommandContext } from './command-handler.js';
export type { IdempotencyRecord } from './idempotency.js';
export type { StaffRole } from './roles.js';

export { aggregateType } from './aggregate-type.js';
export { assertNever, fold } from './decider.js';
export { handleCommand, stateAt } from './command-handler.js';
export { DomainError, DomainErrorKind, isDomainError } from './errors.js';
export { canonicalJson, derivedId, isReplay, sha256Hex } from './idempotency.js';
