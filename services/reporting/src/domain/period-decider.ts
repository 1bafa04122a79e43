import { DomainError, assertNever, type Decider } from '@lienthong/decider';
import type { PeriodEvent, PeriodOpened } from './events.js';

export type PeriodCommand =
  | { readonly type: 'OpenPeriod'; readonly data: PeriodOpened['data'] }
  | { readonly type: 'ClosePeriod'; readonly data: { readonly regime: string; readonly period: string; readonly at: string } };
export type PeriodAggregateState = { readonly opened: boolean; readonly closed: boolean };

/**
 * One regime's period, stream `reportperiod-<regime>/<period>`: opened once (a second opening,
 * by a restarted or a concurrent scheduler, is refused as a duplicate), closed once.
 */
export const periodDecider: Decider<PeriodAggregateState, PeriodCommand, PeriodEvent> = {
  initialState: () => ({ opened: false, closed: false }),
  decide(command, state) {
    switch (command.type) {
      case 'OpenPeriod':
        if (state.opened) throw new DomainError('duplicate', `period ${command.data.period} of ${command.data.regime} is already open`);
        return [{ type: 'PeriodOpened', data: command.data }];
      case 'ClosePeriod':
        if (!state.opened) throw new DomainError('not-found', `period ${command.data.period} of ${command.data.regime} is not open`);
        if (state.closed) return [];
        return [{ type: 'PeriodClosed', data: command.data }];
      default:
        return assertNever(command, 'command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'PeriodOpened':
        return { ...state, opened: true };
      case 'PeriodClosed':
        return { ...state, closed: true };
      default:
        return assertNever(event, 'event');
    }
  },
};
