import { assertNever, DomainError, DomainErrorKind, type Decider } from '@lienthong/decider';

/**
 * The delivery lease: one connectors engine (process) delivers at a time, the others wait and take
 * over once the holder's lease has run out. Kept as events in a stream of its own, appended with
 * the expected revision of the last one: two engines racing for it cannot both win.
 */
export const LEASE_STREAM_PREFIX = 'connectors-lease-';
/** The one lease of the engine (every connector): `connectors-lease-engine`. */
export const ENGINE_LEASE_STREAM = `${LEASE_STREAM_PREFIX}engine`;

export type LeaseTaken = {
  readonly type: 'LeaseTaken';
  /** `until`: ISO instant the lease runs out unless renewed (taken and renewed alike). */
  readonly data: { readonly holder: string; readonly until: string };
};
export type LeaseReleased = { readonly type: 'LeaseReleased'; readonly data: { readonly holder: string } };
export type LeaseEvent = LeaseTaken | LeaseReleased;

/** Take the lease (free, run out, or already ours: then it is a renewal) for `leaseMs` from `now`. */
export type TakeLease = {
  readonly type: 'TakeLease';
  readonly data: { readonly holder: string; readonly now: string; readonly leaseMs: number };
};
/** Give it back (a clean stop): another engine may take it at once. */
export type ReleaseLease = { readonly type: 'ReleaseLease'; readonly data: { readonly holder: string } };
export type LeaseCommand = TakeLease | ReleaseLease;

/** The lease as its last event says: the state never needs more than that event. */
export type LeaseState = { readonly holder: null } | { readonly holder: string; readonly until: string };

/** Held by `holder` at `now`: the lease has not run out. */
export const heldAt = (state: LeaseState, now: string): state is { holder: string; until: string } =>
  state.holder !== null && Date.parse(state.until) > Date.parse(now);

export const leaseDecider: Decider<LeaseState, LeaseCommand, LeaseEvent> = {
  initialState: () => ({ holder: null }),
  decide(command, state) {
    switch (command.type) {
      case 'TakeLease': {
        const { holder, now, leaseMs } = command.data;
        if (!Number.isInteger(leaseMs) || leaseMs < 1)
          throw new DomainError(DomainErrorKind.invalid, 'leaseMs must be an integer ≥ 1', {
            fields: [{ field: 'leaseMs', message: 'an integer ≥ 1' }],
          });
        if (heldAt(state, now) && state.holder !== holder)
          throw new DomainError(DomainErrorKind.conflict, `the lease is held by ${state.holder}`, {
            facts: { holder: state.holder, until: state.until },
          });
        return [{ type: 'LeaseTaken', data: { holder, until: new Date(Date.parse(now) + leaseMs).toISOString() } }];
      }
      case 'ReleaseLease':
        // only the holder gives it back; anyone else's release (it lost it) says nothing
        return state.holder === command.data.holder ? [{ type: 'LeaseReleased', data: { holder: command.data.holder } }] : [];
      default:
        return assertNever(command, 'lease command');
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'LeaseTaken':
        return { holder: event.data.holder, until: event.data.until };
      case 'LeaseReleased':
        return { holder: null };
      default:
        return assertNever(event, 'lease event');
    }
  },
};
