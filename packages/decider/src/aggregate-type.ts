import type { Decider, DomainEvent } from './decider.js';

/** An aggregate type, for audit time travel: the streams it lives in and how to fold them. */
export interface AggregateType {
  readonly name: string;
  readonly streamPrefix: string;
  readonly evolve: (state: unknown, event: { type: string; data: unknown }) => unknown;
  readonly initialState: () => unknown;
}

/** A decider's fold, registered for the streams `<streamPrefix><id>` under `name` (services' modules list theirs). */
export function aggregateType<State, E extends DomainEvent>(
  name: string,
  streamPrefix: string,
  decider: Pick<Decider<State, never, E>, 'evolve' | 'initialState'>,
): AggregateType {
  // The store's events are untyped: the stream prefix is what says they are this aggregate's.
  return {
    name,
    streamPrefix,
    evolve: (state, event) => decider.evolve(state as State, event as E),
    initialState: () => decider.initialState(),
  };
}
