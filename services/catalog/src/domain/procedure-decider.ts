import { DomainError, assertNever, type Decider } from '@lienthong/decider';
import type { ProcedureEvent, ProcedureRecord } from '../events.js';
import { recordOf, sameRecord } from './procedure.js';

/**
 * Publishes a full, already validated record as the next version, in force from `effectiveFrom`
 * (an ISO instant) or, when not given, from `at` (the time of the PUT).
 */
export type PublishProcedure = {
  readonly type: 'PublishProcedure';
  readonly data: {
    readonly code: string;
    readonly record: ProcedureRecord;
    readonly effectiveFrom?: string | undefined;
    readonly at: string;
  };
};
/** Withdraws the procedure; new dossiers can no longer be filed under it. */
export type RetireProcedure = { readonly type: 'RetireProcedure'; readonly data: { readonly code: string } };
export type ProcedureCommand = PublishProcedure | RetireProcedure;

export type ProcedureState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly code: string;
      readonly version: number;
      readonly record: ProcedureRecord;
      /** Of the latest version; null for events stored before the field existed (their time applies). */
      readonly effectiveFrom: string | null;
      readonly retired: boolean;
    };

/**
 * One procedure code, stream `procedure-<code>`.
 * - PUT of a record identical to the latest version publishes nothing (re-running an import is a
 *   no-op) unless it gives another `effectiveFrom` (correcting the legal effective date is a new version).
 * - PUT after a retirement publishes the next version, even when identical: it brings the procedure back.
 * - Retiring a retired procedure does nothing; retiring an unknown one is a 404.
 */
export const procedureDecider: Decider<ProcedureState, ProcedureCommand, ProcedureEvent> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    switch (command.type) {
      case 'PublishProcedure': {
        const { code, record, effectiveFrom, at } = command.data;
        const sameDate = effectiveFrom === undefined || (state.exists && effectiveFrom === state.effectiveFrom);
        if (state.exists && !state.retired && sameRecord(state.record, record) && sameDate) return [];
        const version = state.exists ? state.version + 1 : 1;
        return [{ type: 'ProcedurePublished', data: { code, version, ...recordOf(record), effectiveFrom: effectiveFrom ?? at } }];
      }
      case 'RetireProcedure': {
        if (!state.exists) throw new DomainError('not-found', `no procedure ${command.data.code}`);
        if (state.retired) return [];
        return [{ type: 'ProcedureRetired', data: { code: state.code, version: state.version } }];
      }
      default:
        return assertNever(command, 'command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ProcedurePublished': {
        const { code, version, effectiveFrom, ...record } = event.data;
        return { exists: true, code, version, record: recordOf(record), effectiveFrom: effectiveFrom ?? null, retired: false };
      }
      case 'ProcedureRetired':
        return state.exists ? { ...state, retired: true } : state;
      default:
        return assertNever(event, 'event');
    }
  },
};
