import { assertNever, DomainError, DomainErrorKind, type Decider } from '@lienthong/decider';
import type { ConnectorEvent, ConnectorKind, DeadLetter } from './events.js';

/** Registration as the routes checked it (URL safety is the service's: it needs DNS). */
export type RegisterConnector = {
  readonly type: 'RegisterConnector';
  readonly data: {
    readonly connectorId: string;
    readonly kind: ConnectorKind;
    readonly url: string;
    /** The secret sealed by the service: the decider never sees it in clear. */
    readonly secretSealed: string;
    readonly eventTypes: readonly string[] | null;
    readonly agencyIds: readonly string[] | null;
    /** Global position the outbox starts after (the store's head at registration). */
    readonly startAfter: number;
  };
};
export type PauseConnector = { readonly type: 'PauseConnector'; readonly data: Record<string, never> };
export type ResumeConnector = { readonly type: 'ResumeConnector'; readonly data: Record<string, never> };
export type DeleteConnector = { readonly type: 'DeleteConnector'; readonly data: Record<string, never> };
export type ReplayConnector = { readonly type: 'ReplayConnector'; readonly data: { readonly fromPosition: number } };
export type RetryDeadLetters = { readonly type: 'RetryDeadLetters'; readonly data: { readonly positions: readonly number[] | null } };
/** The engine: every event at or before `position` is delivered or dead-lettered, under replay `epoch`. */
export type Checkpoint = { readonly type: 'Checkpoint'; readonly data: { readonly position: number; readonly epoch: number } };
/** The engine delivered a dead letter the admin handed back. */
export type ConfirmRedelivery = { readonly type: 'ConfirmRedelivery'; readonly data: { readonly position: number } };
export type DeadLetterDelivery = { readonly type: 'DeadLetterDelivery'; readonly data: DeadLetter & { readonly epoch: number } };

export type ConnectorCommand =
  | RegisterConnector
  | PauseConnector
  | ResumeConnector
  | DeleteConnector
  | ReplayConnector
  | RetryDeadLetters
  | Checkpoint
  | ConfirmRedelivery
  | DeadLetterDelivery;

export type ConnectorState =
  | { readonly registered: false }
  | {
      readonly registered: true;
      readonly connectorId: string;
      readonly kind: ConnectorKind;
      readonly url: string;
      readonly secretSealed: string;
      readonly eventTypes: readonly string[] | null;
      readonly agencyIds: readonly string[] | null;
      readonly paused: boolean;
      readonly deleted: boolean;
      /** Every event at or before it is delivered or dead-lettered. */
      readonly checkpoint: number;
      /** Bumped by each replay: the engine restarts its scan, stale checkpoints are ignored. */
      readonly epoch: number;
      readonly deadLetters: readonly DeadLetter[];
      /** Dead letters handed back to the engine by the last retry, delivered again before the scan goes on. */
      readonly retrying: readonly number[];
    };

export type RegisteredConnector = Extract<ConnectorState, { registered: true }>;

function live(state: ConnectorState): RegisteredConnector {
  if (!state.registered || state.deleted) throw new DomainError(DomainErrorKind.notFound, 'no such connector');
  return state;
}

/**
 * One connector, stream `connector-<id>`: its registration, pause/resume/delete, the outbox's
 * progress (compact checkpoints, one per second of activity at most) and its dead letters.
 * Attempts are not events (they are metrics); a dead letter is.
 */
export const connectorDecider: Decider<ConnectorState, ConnectorCommand, ConnectorEvent> = {
  initialState: () => ({ registered: false }),
  decide(command, state) {
    switch (command.type) {
      case 'RegisterConnector': {
        if (state.registered && !state.deleted) {
          const same =
            state.kind === command.data.kind &&
            state.url === command.data.url &&
            JSON.stringify(state.eventTypes) === JSON.stringify(command.data.eventTypes) &&
            JSON.stringify(state.agencyIds) === JSON.stringify(command.data.agencyIds);
          throw new DomainError(DomainErrorKind.duplicate, `connector ${command.data.connectorId} exists already`, {
            facts: { sameRegistration: same },
          });
        }
        return [{ type: 'ConnectorRegistered', data: command.data }];
      }
      case 'PauseConnector':
        return live(state).paused ? [] : [{ type: 'ConnectorPaused', data: {} }];
      case 'ResumeConnector':
        return live(state).paused ? [{ type: 'ConnectorResumed', data: {} }] : [];
      case 'DeleteConnector':
        if (state.registered && state.deleted) return [];
        live(state);
        return [{ type: 'ConnectorDeleted', data: {} }];
      case 'ReplayConnector': {
        live(state);
        if (!Number.isInteger(command.data.fromPosition) || command.data.fromPosition < 1)
          throw new DomainError(DomainErrorKind.invalid, 'fromPosition must be an integer ≥ 1', {
            fields: [{ field: 'fromPosition', message: 'must be an integer ≥ 1' }],
          });
        return [{ type: 'ConnectorReplayRequested', data: { fromPosition: command.data.fromPosition } }];
      }
      case 'RetryDeadLetters': {
        const s = live(state);
        const wanted = command.data.positions;
        const positions = s.deadLetters.map((d) => d.position).filter((p) => wanted === null || wanted.includes(p));
        return positions.length === 0 ? [] : [{ type: 'DeadLettersRetried', data: { positions } }];
      }
      case 'Checkpoint': {
        if (!state.registered || state.deleted || command.data.epoch !== state.epoch) return [];
        return command.data.position > state.checkpoint
          ? [{ type: 'DeliveryCheckpointed', data: { position: command.data.position } }]
          : [];
      }
      case 'ConfirmRedelivery':
        return state.registered && !state.deleted && state.retrying.includes(command.data.position)
          ? [{ type: 'DeadLetterRedelivered', data: { position: command.data.position } }]
          : [];
      case 'DeadLetterDelivery': {
        if (!state.registered || state.deleted) return [];
        // a letter of an older epoch is stale (a replay delivers it again), unless it is a retried dead letter
        if (command.data.epoch !== state.epoch && !state.retrying.includes(command.data.position)) return [];
        const { epoch: _epoch, ...letter } = command.data;
        return [{ type: 'DeliveryDeadLettered', data: letter }];
      }
      default:
        return assertNever(command, 'command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ConnectorRegistered':
        return {
          registered: true,
          ...event.data,
          paused: false,
          deleted: false,
          checkpoint: event.data.startAfter,
          epoch: state.registered ? state.epoch + 1 : 0,
          deadLetters: [],
          retrying: [],
        };
      case 'ConnectorPaused':
        return state.registered ? { ...state, paused: true } : state;
      case 'ConnectorResumed':
        return state.registered ? { ...state, paused: false } : state;
      case 'ConnectorDeleted':
        return state.registered ? { ...state, deleted: true } : state;
      case 'ConnectorReplayRequested':
        return state.registered
          ? { ...state, checkpoint: Math.min(state.checkpoint, event.data.fromPosition - 1), epoch: state.epoch + 1, retrying: [] }
          : state;
      case 'DeadLettersRetried':
        return state.registered
          ? {
              ...state,
              deadLetters: state.deadLetters.filter((d) => !event.data.positions.includes(d.position)),
              retrying: [...new Set([...state.retrying, ...event.data.positions])].sort((a, b) => a - b),
            }
          : state;
      case 'DeliveryCheckpointed':
        return state.registered ? { ...state, checkpoint: event.data.position } : state;
      case 'DeadLetterRedelivered':
        return state.registered ? { ...state, retrying: state.retrying.filter((p) => p !== event.data.position) } : state;
      case 'DeliveryDeadLettered':
        return state.registered
          ? {
              ...state,
              deadLetters: [...state.deadLetters.filter((d) => d.position !== event.data.position), event.data],
              retrying: state.retrying.filter((p) => p !== event.data.position),
            }
          : state;
      default:
        return assertNever(event, 'event');
    }
  },
};
