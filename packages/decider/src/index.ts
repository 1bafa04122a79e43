export type { Command, Decider, DomainEvent } from './decider.js';
export { assertNever, fold } from './decider.js';
export type { CommandContext, CommandResult, HandleCommandOptions } from './command-handler.js';
export { handleCommand, stateAt } from './command-handler.js';
