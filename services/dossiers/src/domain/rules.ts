import type { StaffRole } from '@lienthong/decider';
import type { DossierStatus } from '@lienthong/dossier-contract';

/** The actions of `POST /v1/dossiers/:code/actions/:action` (SPEC §4). */
export const DossierActions = [
  'accept',
  'reject',
  'assign',
  'request-supplement',
  'supplement',
  'request-payment',
  'confirm-payment',
  'request-withdrawal',
  'stop',
  'complete',
  'deliver-result',
  'transfer',
  'apologize',
] as const;
export type DossierAction = (typeof DossierActions)[number];

/** Who acts: a staff member of an agency with their roles, or `admin` (acts in every role, anywhere, for support). */
export type Actor =
  | { readonly kind: 'admin' }
  | { readonly kind: 'staff'; readonly agencyId: string; readonly roles: readonly StaffRole[] }
  /** A citizen submitting online (SPEC §7): may receive an online dossier, nothing else of staff's. */
  | { readonly kind: 'citizen' };

/** One row of the workflow: the action is allowed in `from` for any of `roles`. */
export interface Rule {
  readonly action: DossierAction;
  readonly from: readonly DossierStatus[];
  readonly roles: readonly StaffRole[];
  /** Where it leads; `same` keeps the status, `back` returns to the status before the pause. */
  readonly to: DossierStatus | 'same' | 'back';
}

/**
 * The one table of the workflow. The clerk (cán bộ một cửa) receives, hands the supplement
 * and the result over; the officer (chuyên viên) processes; the leader (lãnh đạo) approves,
 * refuses, stops, transfers and apologises. `allowedActions` and `decide` both read it.
 */
export const RULES: readonly Rule[] = [
  { action: 'accept', from: ['new'], roles: ['clerk'], to: 'accepted' },
  { action: 'reject', from: ['new'], roles: ['clerk', 'leader'], to: 'not-accepted' },
  { action: 'reject', from: ['accepted'], roles: ['leader'], to: 'not-accepted' },
  { action: 'assign', from: ['accepted'], roles: ['clerk', 'leader'], to: 'processing' },
  { action: 'assign', from: ['processing'], roles: ['leader'], to: 'processing' },
  { action: 'request-supplement', from: ['accepted'], roles: ['clerk', 'officer'], to: 'supplement-requested' },
  { action: 'request-supplement', from: ['processing'], roles: ['officer'], to: 'supplement-requested' },
  { action: 'supplement', from: ['supplement-requested'], roles: ['clerk'], to: 'back' },
  { action: 'request-payment', from: ['processing'], roles: ['officer'], to: 'payment-requested' },
  { action: 'confirm-payment', from: ['payment-requested'], roles: ['clerk', 'officer'], to: 'processing' },
  {
    action: 'request-withdrawal',
    from: ['new', 'accepted', 'processing', 'supplement-requested', 'payment-requested'],
    roles: ['clerk'],
    to: 'withdrawal-requested',
  },
  {
    action: 'stop',
    from: ['accepted', 'processing', 'supplement-requested', 'payment-requested', 'withdrawal-requested'],
    roles: ['leader'],
    to: 'stopped',
  },
  { action: 'complete', from: ['processing'], roles: ['leader'], to: 'processed' },
  { action: 'deliver-result', from: ['processed'], roles: ['clerk'], to: 'result-delivered' },
  { action: 'transfer', from: ['accepted', 'processing'], roles: ['officer', 'leader'], to: 'accepted' },
  {
    action: 'apologize',
    from: ['accepted', 'processing', 'supplement-requested', 'payment-requested', 'withdrawal-requested'],
    roles: ['leader'],
    to: 'same',
  },
];

const mayAct = (actor: Actor, rule: Rule): boolean =>
  actor.kind === 'admin' || (actor.kind === 'staff' && rule.roles.some((r) => actor.roles.includes(r)));

/** The rule that allows `action` in `status`, whoever acts; undefined when the status forbids it. */
export function ruleFor(action: DossierAction, status: DossierStatus, actor?: Actor): Rule | undefined {
  return RULES.find((r) => r.action === action && r.from.includes(status) && (actor === undefined || mayAct(actor, r)));
}

/** Actions allowed in `status` for `actor` (for any role when no actor is given), in table order. */
export function actionsIn(status: DossierStatus, actor?: Actor): DossierAction[] {
  const out: DossierAction[] = [];
  for (const r of RULES)
    if (r.from.includes(status) && (actor === undefined || mayAct(actor, r)) && !out.includes(r.action)) out.push(r.action);
  return out;
}

/** What a citizen does online with the code and PIN (SPEC §7), and the payment provider's confirmation. */
export const CitizenActions = ['withdraw', 'supplement', 'confirm-payment'] as const;
export type CitizenAction = (typeof CitizenActions)[number];

/** The citizen's workflow table: no roles, the code and PIN (checked by the service) are the authority. */
export const CITIZEN_RULES: readonly {
  readonly action: CitizenAction;
  readonly from: readonly DossierStatus[];
  readonly to: DossierStatus | 'back';
}[] = [
  { action: 'withdraw', from: ['new', 'accepted', 'processing', 'supplement-requested', 'payment-requested'], to: 'withdrawal-requested' },
  { action: 'supplement', from: ['supplement-requested'], to: 'back' },
  { action: 'confirm-payment', from: ['payment-requested'], to: 'processing' },
];

/** What the citizen may do in `status`. */
export function citizenActionsIn(status: DossierStatus): CitizenAction[] {
  return CITIZEN_RULES.filter((r) => r.from.includes(status)).map((r) => r.action);
}
