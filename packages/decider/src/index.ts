export type { Command, Decider, DomainEvent } from './decider.js';
export { assertNever, fold } from './decider.js';
export type { CommandContext, CommandFor, CommandResult, HandleCommandOptions } from './command-handler.js';
export { handleCommand, stateAt } from './command-handler.js';
export type { DomainErrorOptions, DomainFacts, FieldFault } from './errors.js';
export { DomainError, DomainErrorKind, isDomainError } from './errors.js';
export type { IdempotencyRecord } from './idempotency.js';
export { canonicalJson, derivedId, isReplay, sha256Hex } from './idempotency.js';
