import { DomainError, assertNever, type Decider, type StaffRole } from '@lienthong/decider';
import type { IndicatorRecord, IndicatorValue, ReportEvent, ReportValues } from './events.js';
import { endOfDate } from './periods.js';
import { valueFaults } from './values.js';

export const ReportStates = ['not-started', 'draft', 'submitted', 'returned', 'accepted'] as const;
export type ReportState = (typeof ReportStates)[number];
export const ReportActions = ['draft', 'submit', 'accept', 'return', 'reopen'] as const;
export type ReportAction = (typeof ReportActions)[number];

/**
 * Who acts, as the command handler found them in the directory: `self` is staff of the report's
 * agency, `parent` staff of the reporting agency above it (for the top agency: the admin, acting
 * for the province's reporting office), `other` anyone else.
 */
export interface ReportActor {
  readonly kind: 'staff' | 'admin';
  readonly id: string;
  readonly relation: 'self' | 'parent' | 'other';
  readonly roles: readonly StaffRole[];
}

/** The period as the handler read it: values may be typed and submitted only while it is open. */
export type PeriodState = 'not-open' | 'open' | 'closed';

interface Key {
  readonly regime: string;
  readonly period: string;
  readonly agencyId: string;
}
interface Acting extends Key {
  readonly actor: ReportActor;
  readonly at: string;
  readonly periodState: PeriodState;
}
export type ReportCommand =
  | {
      readonly type: 'DraftValues';
      readonly data: Acting & {
        readonly values: Readonly<Record<string, IndicatorValue | null>>;
        /** The period's indicators (what values may name, and their kinds). */
        readonly indicators: Readonly<Record<string, IndicatorRecord>>;
      };
    }
  | {
      readonly type: 'Submit';
      readonly data: Acting & {
        readonly submitBy: string;
        /** Indicators the agency must give a value for. */
        readonly required: readonly string[];
        /** Of those, the ones its children's accepted reports already give (an aggregate needs no own value). */
        readonly derived: readonly string[];
      };
    }
  | { readonly type: 'Accept'; readonly data: Acting }
  | { readonly type: 'Return'; readonly data: Acting & { readonly reason: string } }
  | { readonly type: 'Reopen'; readonly data: Acting & { readonly reason: string } }
  | { readonly type: 'MarkOverdue'; readonly data: Key & { readonly submitBy: string; readonly at: string } };

export interface ReportAggregateState {
  readonly state: ReportState;
  readonly values: ReportValues;
  readonly overdue: boolean;
  readonly submittedAt: string | null;
  readonly onTime: boolean | null;
  /** Accepted at least once: its last accepted values stand in an aggregate while it is corrected. */
  readonly everAccepted: boolean;
}

/** Which actions each state allows (the workflow table; roles and the period are checked besides). */
export const ALLOWED: Readonly<Record<ReportState, readonly ReportAction[]>> = {
  'not-started': ['draft', 'submit'],
  draft: ['draft', 'submit'],
  submitted: ['accept', 'return'],
  returned: ['draft', 'submit'],
  accepted: ['reopen'],
};

/** Who may take an action: the agency's staff draft, its leader submits, the parent's leader decides. */
export function mayAct(action: ReportAction, actor: ReportActor): boolean {
  const leader = actor.kind === 'admin' || actor.roles.includes('leader');
  switch (action) {
    case 'draft':
      return actor.kind === 'staff' && actor.relation === 'self';
    case 'submit':
      return actor.kind === 'staff' && actor.relation === 'self' && leader;
    case 'accept':
    case 'return':
    case 'reopen':
      return actor.relation === 'parent' && leader;
    default:
      return assertNever(action, 'action');
  }
}

const ACTION_OF = { DraftValues: 'draft', Submit: 'submit', Accept: 'accept', Return: 'return', Reopen: 'reopen' } as const;

function authorise(action: ReportAction, data: Acting, state: ReportAggregateState): void {
  if (!mayAct(action, data.actor)) {
    const who =
      action === 'draft'
        ? "staff of the report's agency"
        : action === 'submit'
          ? "the leader of the report's agency"
          : "the leader of the report's parent agency";
    throw new DomainError('forbidden', `only ${who} may ${action} the report of ${data.agencyId}`, {
      facts: { action, reportState: state.state },
    });
  }
  if ((action === 'draft' || action === 'submit') && data.periodState !== 'open')
    throw new DomainError(
      'not-allowed',
      `period ${data.period} of ${data.regime} is ${data.periodState === 'closed' ? 'closed' : 'not open yet'}`,
      {
        facts: { periodState: data.periodState, reportState: state.state },
      },
    );
  if (!ALLOWED[state.state].includes(action))
    throw new DomainError('not-allowed', `a ${state.state} report cannot be ${action === 'draft' ? 'edited' : `${action}ed`}`, {
      facts: { reportState: state.state, allowedActions: ALLOWED[state.state] },
    });
}

/**
 * One agency's report for one regime and period, stream `report-<regime>/<period>/<agencyId>`.
 * not-started/draft/returned —draft→ draft; —submit→ submitted (every required value present);
 * submitted —accept→ accepted | —return→ returned; accepted —reopen→ returned (corrected, submitted again).
 * A report with no submission by its `submitBy` day is flagged overdue once.
 */
export const reportDecider: Decider<ReportAggregateState, ReportCommand, ReportEvent> = {
  initialState: () => ({ state: 'not-started', values: {}, overdue: false, submittedAt: null, onTime: null, everAccepted: false }),
  decide(command, state) {
    if (command.type === 'MarkOverdue') {
      const { regime, period, agencyId, submitBy, at } = command.data;
      if (state.overdue || state.submittedAt !== null)
        throw new DomainError('conflict', `the report of ${agencyId} is not overdue`, { facts: { reportState: state.state } });
      if (Date.parse(at) < endOfDate(submitBy).getTime())
        throw new DomainError('conflict', `the report of ${agencyId} is due by ${submitBy}`);
      return [{ type: 'ReportBecameOverdue', data: { regime, period, agencyId, submitBy, at } }];
    }
    authorise(ACTION_OF[command.type], command.data, state);
    const { regime, period, agencyId, actor, at } = command.data;
    const key = { regime, period, agencyId };
    switch (command.type) {
      case 'DraftValues': {
        const faults = valueFaults(command.data.values, command.data.indicators);
        if (faults.length > 0)
          throw new DomainError('invalid', `values refused: ${faults.map((f) => `${f.field} ${f.message}`).join('; ')}`, {
            fields: faults,
          });
        if (Object.keys(command.data.values).length === 0) return [];
        return [{ type: 'ValuesDrafted', data: { ...key, values: command.data.values, by: actor.id, at } }];
      }
      case 'Submit': {
        const missing = command.data.required.filter((code) => state.values[code] === undefined && !command.data.derived.includes(code));
        if (missing.length > 0)
          throw new DomainError('invalid', `values missing: ${missing.join(', ')}`, {
            facts: { missing },
            fields: missing.map((code) => ({ field: `values/${code}`, message: 'required before submitting' })),
          });
        const onTime = Date.parse(at) < endOfDate(command.data.submitBy).getTime();
        return [{ type: 'ReportSubmitted', data: { ...key, by: actor.id, at, onTime } }];
      }
      case 'Accept':
        return [{ type: 'ReportAccepted', data: { ...key, by: actor.id, at } }];
      case 'Return':
        return [{ type: 'ReportReturned', data: { ...key, by: actor.id, at, reason: command.data.reason } }];
      case 'Reopen':
        return [{ type: 'ReportReopened', data: { ...key, by: actor.id, at, reason: command.data.reason } }];
      default:
        return assertNever(command, 'command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ValuesDrafted': {
        const values: Record<string, IndicatorValue> = { ...state.values };
        for (const [code, value] of Object.entries(event.data.values)) {
          if (value === null) delete values[code];
          else values[code] = value;
        }
        return { ...state, state: state.state === 'not-started' ? 'draft' : state.state, values };
      }
      case 'ReportSubmitted':
        return { ...state, state: 'submitted', submittedAt: state.submittedAt ?? event.data.at, onTime: state.onTime ?? event.data.onTime };
      case 'ReportAccepted':
        return { ...state, state: 'accepted', everAccepted: true };
      case 'ReportReturned':
      case 'ReportReopened':
        return { ...state, state: 'returned' };
      case 'ReportBecameOverdue':
        return { ...state, overdue: true };
      default:
        return assertNever(event, 'event');
    }
  },
};
