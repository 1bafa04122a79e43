import { assertNever, type Decider } from '@lienthong/decider';
import type { DossierCodeIssued } from './events.js';

/** The agency-day sequence `dossiercode-<agency>-<YYMMDD>`: the last number issued (0 before the first). */
export type CodeSequenceState = { readonly sequence: number };

export type IssueCode = { readonly type: 'IssueCode'; readonly data: { readonly agencyId: string; readonly day: string } };

/** `{agencyId}-{YYMMDD}-{NNNN}`; past 9999 a day the number simply grows to five digits. */
export function formatDossierCode(agencyId: string, day: string, sequence: number): string {
  return `${agencyId}-${day}-${String(sequence).padStart(4, '0')}`;
}

/**
 * Issues the next code of an agency's day. Each event carries the number it issued, so the
 * state is the last event's; appended with the revision read, two writers can never take the
 * same number.
 */
export const codeSequenceDecider: Decider<CodeSequenceState, IssueCode, DossierCodeIssued> = {
  initialState: () => ({ sequence: 0 }),
  decide(command, state) {
    switch (command.type) {
      case 'IssueCode': {
        const { agencyId, day } = command.data;
        const sequence = state.sequence + 1;
        return [{ type: 'DossierCodeIssued', data: { agencyId, day, sequence, dossierCode: formatDossierCode(agencyId, day, sequence) } }];
      }
      default:
        return assertNever(command.type, 'command');
    }
  },
  evolve: (_state, event) => ({ sequence: event.data.sequence }),
};
