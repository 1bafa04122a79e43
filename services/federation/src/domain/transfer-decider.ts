import { assertNever, DomainError, DomainErrorKind, type Decider } from '@lienthong/decider';
import type { TransferEvent, TransferQueuedData } from '../events.js';

export type TransferCommand =
  | { readonly type: 'QueueTransfer'; readonly data: TransferQueuedData }
  | { readonly type: 'RecordAttempt'; readonly data: { readonly reason: string; readonly detail: string; readonly nextAttemptAt: string } }
  | { readonly type: 'RecordDelivery'; readonly data: { readonly status: number; readonly latencyMs: number } }
  | { readonly type: 'DropTransfer'; readonly data: { readonly reason: string } };

export type TransferState =
  | { readonly status: 'none' }
  | {
      readonly status: 'pending' | 'delivered' | 'dropped';
      readonly transfer: TransferQueuedData;
      readonly attempts: number;
      readonly nextAttemptAt: string | null;
      readonly lastError: string | null;
    };

/**
 * One transfer to one peer (stream `fed-transfer-<transferId>`): queued, attempted any number of
 * times, then delivered (a 2xx) or dropped by an admin. Queuing again is a no-op (the caller's
 * retry); an ended transfer takes no attempt or drop.
 */
export const transferDecider: Decider<TransferState, TransferCommand, TransferEvent> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    if (command.type === 'QueueTransfer') return state.status === 'none' ? [{ type: 'TransferQueued', data: command.data }] : [];
    if (state.status === 'none') throw new DomainError(DomainErrorKind.notFound, 'no such transfer');
    const { transferId } = state.transfer;
    switch (command.type) {
      case 'RecordAttempt':
        if (state.status !== 'pending') return [];
        return [{ type: 'TransferAttempted', data: { transferId, attempt: state.attempts + 1, ...command.data } }];
      case 'RecordDelivery':
        if (state.status !== 'pending') return [];
        return [{ type: 'TransferDelivered', data: { transferId, attempts: state.attempts + 1, ...command.data } }];
      case 'DropTransfer':
        if (state.status === 'dropped') return [];
        if (state.status === 'delivered')
          throw new DomainError(DomainErrorKind.conflict, `transfer ${transferId} was already delivered`, {
            facts: { transferStatus: 'delivered' },
          });
        return [{ type: 'TransferDropped', data: { transferId, reason: command.data.reason } }];
      default:
        return assertNever(command, 'command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'TransferQueued':
        return { status: 'pending', transfer: event.data, attempts: 0, nextAttemptAt: null, lastError: null };
      case 'TransferAttempted':
        if (state.status === 'none') return state;
        return {
          ...state,
          attempts: event.data.attempt,
          nextAttemptAt: event.data.nextAttemptAt,
          lastError: `${event.data.reason}: ${event.data.detail}`,
        };
      case 'TransferDelivered':
        return state.status === 'none' ? state : { ...state, status: 'delivered', attempts: event.data.attempts, nextAttemptAt: null };
      case 'TransferDropped':
        return state.status === 'none' ? state : { ...state, status: 'dropped', nextAttemptAt: null };
      default:
        return assertNever(event, 'event');
    }
  },
};

/**
 * The wait before attempt n+1 after n failed ones: 1 s doubling to 5 min, with full jitter over
 * the upper half (so a crowd of retries spreads out but never comes back sooner than half the step).
 */
export function backoffMs(failedAttempts: number, random: () => number = Math.random): number {
  const step = Math.min(300_000, 1000 * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
