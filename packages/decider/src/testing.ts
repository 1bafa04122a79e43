import type { Test } from 'tap';
import { fold, type Command, type Decider, type DomainEvent } from './decider.js';

/**
 * Specification-style decider tests:
 * `spec(decider).given(events).when(command).then(t, expected)` or `.thenThrows(t, matcher)`.
 */
export function spec<State, C extends Command, E extends DomainEvent>(decider: Decider<State, C, E>) {
  return {
    given(events: readonly E[]) {
      const state = fold(decider, events);
      return {
        state,
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            then(t: Test, expected: readonly E[], message?: string) {
              t.strictSame(run(), expected, message ?? `${command.type} → ${expected.map((e) => e.type).join(', ') || 'nothing'}`);
            },
            thenThrows(t: Test, matcher: Record<string, unknown> | RegExp, message?: string) {
              t.throws(run, matcher as never, message ?? `${command.type} refused`);
            },
          };
        },
      };
    },
  };
}
