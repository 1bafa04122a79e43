import { isReplay, type Decider, type IdempotencyRecord } from '@lienthong/decider';
import type { DossierRequestRecorded } from './events.js';

/** Records the first use of a caller's key; `data` is what the request was given (for a receipt, its code). */
export type RecordRequest = { readonly type: 'RecordRequest'; readonly data: DossierRequestRecorded['data'] };

export type RequestState = { readonly recorded: false } | ({ readonly recorded: true } & DossierRequestRecorded['data']);

/**
 * One `dossierrequest-<requestId>` stream: the binding of a caller's `Idempotency-Key` to one
 * request. The first use records it; the same request again changes nothing (the state tells
 * the retry which dossier, and for a receipt which code and instant, it was); another request
 * under the key is a 409 (`isReplay`, as for documents).
 */
/** Whether the key was already used for this very request (true), never (false); another request → 409. */
export function sameRequest(state: RequestState, incoming: IdempotencyRecord): state is Extract<RequestState, { recorded: true }> {
  const recorded = state.recorded ? state : null;
  const detail = `Idempotency-Key "${incoming.key}" was already used by this caller for another request${recorded ? ` (${recorded.kind} on dossier ${recorded.dossierCode})` : ''}`;
  return isReplay(recorded, incoming, detail, recorded ? { dossierCode: recorded.dossierCode } : undefined);
}

export const requestDecider: Decider<RequestState, RecordRequest, DossierRequestRecorded> = {
  initialState: () => ({ recorded: false }),
  decide(command, state) {
    if (sameRequest(state, command.data)) return [];
    return [{ type: 'DossierRequestRecorded', data: command.data }];
  },
  evolve(_state, event) {
    return { recorded: true, ...event.data };
  },
};
