/**
 * The whole domain contract of an aggregate: pure functions, no I/O. Services keep one decider
 * per aggregate in `src/domain/` and run it through `handleCommand`.
 */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

export interface Command<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

export interface Decider<State, C extends Command, E extends DomainEvent> {
  /** Events that the command produces in this state; throws a coded domain error to refuse it. */
  decide(command: C, state: State): readonly E[];
  evolve(state: State, event: E): State;
  initialState(): State;
}

/** Folds events into state with the decider's evolve. */
export function fold<State, E extends DomainEvent>(
  decider: Pick<Decider<State, never, E>, 'evolve' | 'initialState'>,
  events: Iterable<E>,
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

/** Compile-time exhaustiveness check for `switch` over command/event unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
