import { ExpectedRevision, isWrongExpectedRevision, type EventMetadata, type EventStore, type RecordedEvent } from '@lienthong/event-store';
import { fold, type Command, type Decider, type DomainEvent } from './decider.js';

export interface CommandContext {
  readonly correlationId: string;
  readonly causationId?: string | null;
  readonly actor: string;
  /** Decision time; defaults to now. */
  readonly now?: Date;
}

export interface CommandResult<State> {
  readonly state: State;
  /** Stream revision after the command (-1 when the stream still does not exist). */
  readonly revision: number;
  readonly appended: readonly RecordedEvent[];
}

export interface HandleCommandOptions<State = unknown> {
  /** Re-read and re-decide this many times when another writer got there first (default 3). */
  readonly retries?: number;
  /** Before each retry, wait a random time up to this many ms times the attempt (at most 10×): writers in contention spread out. Default 0. */
  readonly retryJitterMs?: number;
  /**
   * Each event carries the aggregate's whole state (a sequence's last number): fold the last
   * event only, so the read does not grow with the stream.
   */
  readonly lastEventOnly?: boolean;
  /**
   * The state the caller already holds (kept by its own appends) and the stream revision it
   * follows (-1: no stream yet): the first decision is made on it, with no read. If the stream
   * moved meanwhile the append fails and the command is decided again on the stream as read.
   */
  readonly known?: { readonly state: State; readonly revision: number };
}

/**
 * A command, or how the handler builds it from the state it is decided on: for facts the decider
 * must not fetch itself (a calendar's answer about this state), so `decide` stays pure and every
 * retry builds the command again on the state it re-read.
 */
export type CommandFor<State, C extends Command> = C | ((state: State) => C);

/**
 * 1. read the stream, 2. fold it into state, 3. build the command and decide, 4. append with the
 * revision read. A concurrent writer makes the append fail; the whole cycle is then retried so
 * the command is decided against the state it will really follow.
 */
export async function handleCommand<State, C extends Command, E extends DomainEvent>(
  store: EventStore,
  decider: Decider<State, C, E>,
  stream: string,
  command: CommandFor<State, C>,
  context: CommandContext,
  options: HandleCommandOptions<State> = {},
): Promise<CommandResult<State>> {
  const retries = options.retries ?? 3;
  const jitterMs = options.retryJitterMs ?? 0;
  let known = options.known;
  for (let attempt = 0; ;) {
    // 1. aggregate the stream (unless the caller holds its state)
    let state: State;
    let revision: number;
    if (known) ({ state, revision } = known);
    else {
      const history = await store.readStream(stream, options.lastEventOnly ? { direction: 'backward', maxCount: 1 } : undefined);
      state = fold(
        decider,
        history.map((e) => ({ type: e.type, data: e.data }) as E),
      );
      revision = history.length === 0 ? -1 : history[history.length - 1]!.revision;
    }
    // 2. decide
    const events = decider.decide(typeof command === 'function' ? command(state) : command, state);
    if (events.length === 0) return { state, revision, appended: [] };
    // 3. append with the revision the decision was made on
    const metadata: EventMetadata = {
      correlationId: context.correlationId,
      causationId: context.causationId ?? null,
      actor: context.actor,
      at: (context.now ?? new Date()).toISOString(),
    };
    try {
      const result = await store.append(
        stream,
        events.map((e) => ({ type: e.type, data: e.data, metadata })),
        { expectedRevision: revision === -1 ? ExpectedRevision.noStream : revision },
      );
      for (const e of events) state = decider.evolve(state, e);
      return { state, revision: result.nextRevision, appended: result.events };
    } catch (error) {
      if (!isWrongExpectedRevision(error)) throw error;
      // a stale state in hand is not a contention: read and decide again, no retry spent
      if (known) {
        known = undefined;
        continue;
      }
      if (attempt >= retries) throw error;
      attempt++;
      if (jitterMs > 0) await new Promise((r) => setTimeout(r, Math.random() * jitterMs * Math.min(attempt, 10)));
    }
  }
}

/** Rebuilds an aggregate's state as of a revision (inclusive) or an instant, for audit time travel. */
export async function stateAt<State, E extends DomainEvent>(
  store: EventStore,
  decider: Pick<Decider<State, never, E>, 'evolve' | 'initialState'>,
  stream: string,
  at: { revision: number } | { instant: Date },
): Promise<{ state: State; revision: number; events: number; at: string | null }> {
  const history = await store.readStream(stream);
  let state = decider.initialState();
  let last: RecordedEvent | undefined;
  for (const e of history) {
    if ('revision' in at ? e.revision > at.revision : Date.parse(e.metadata.at) > at.instant.getTime()) break;
    state = decider.evolve(state, { type: e.type, data: e.data } as E);
    last = e;
  }
  const revision = last?.revision ?? -1;
  // `at` of the last event folded in, so callers need not read the stream again for it
  return { state, revision, events: revision + 1, at: last?.metadata.at ?? null };
}
