import { DomainError, assertNever, type Decider, type StaffRole } from '@lienthong/decider';
import type { CitizenAct, DossierCommand, PerformAction, ReceiveDossier } from './commands.js';
import type { DossierComponent, DossierEvent, DossierFile, DossierReceived, DossierSnapshot } from './events.js';
import { CITIZEN_RULES, actionsIn, citizenActionsIn, ruleFor, type Actor, type DossierAction } from './rules.js';
import { STATUS_CODES, duePassed, isResolved, type DossierStatus } from '@lienthong/dossier-contract';

/** A dossier (hồ sơ) as folded from its stream. */
export type DossierState =
  | { readonly received: false }
  | {
      readonly received: true;
      readonly dossierCode: string;
      readonly agencyId: string;
      readonly procedureCode: string;
      readonly procedureVersion: number;
      readonly procedureName: string;
      /** Of the procedure version at receipt: an online dossier's clock counts them from its acceptance. */
      readonly processingDays: number;
      readonly channel: 'counter' | 'online' | 'postal';
      readonly receivedAt: string;
      readonly dueAt: string;
      readonly legalDueAt: string;
      readonly status: DossierStatus;
      /** Set while a supplement is awaited (the clock is stopped). */
      readonly pausedAt: string | null;
      readonly statusBeforePause: DossierStatus | null;
      /** The current `dueAt` passed unresolved (a DossierBecameOverdue was recorded for it). */
      readonly overdue: boolean;
      readonly officer: string | null;
      readonly department: string | null;
      readonly pinHash: string;
      readonly maskedName: string;
      readonly applicantSealed: string;
      readonly components: readonly DossierComponent[];
      /** Keyed requests already applied (receipt and actions): their retries apply nothing. */
      readonly requestIds: readonly string[];
      /** The fee asked by the latest payment request, until it is confirmed (VND). */
      readonly paymentDue: number | null;
      /** The latest supplement request while it is awaited. */
      readonly supplementRequest: { readonly reason: string; readonly items: readonly string[] } | null;
      /** The result files attached when the result was delivered. */
      readonly resultFiles: readonly DossierFile[];
    };
export type ReceivedDossier = Extract<DossierState, { received: true }>;

/** Staff see and act only on the dossiers their agency holds now; admins everywhere. */
export function canSee(state: DossierState, actor: Actor): state is ReceivedDossier {
  return state.received && (actor.kind === 'admin' || (actor.kind === 'staff' && actor.agencyId === state.agencyId));
}

/** What `actor` may do with the dossier now: the single source for responses and refusals. */
export function allowedActions(state: DossierState, actor: Actor): DossierAction[] {
  return canSee(state, actor) ? actionsIn(state.status, actor) : [];
}

const RECEIVE_ROLES: readonly StaffRole[] = ['clerk'];

/** What a receipt is judged on; `actor.agencyId` is the staff member's agency as the directory resolves it now. */
export type ReceiptFacts = Pick<ReceiveDossier['data'], 'actor' | 'agencyId' | 'receivedAt' | 'at'> & {
  readonly channel?: ReceiveDossier['data']['channel'];
};

/**
 * The receipt rules: received no later than now, by a clerk of the receiving agency (admins
 * anywhere, in every role). `decide` owns them; the service also runs them before it spends a
 * number of the agency-day code sequence, so that a refused receipt leaves no gap in it.
 */
export function assertMayReceive(facts: ReceiptFacts): void {
  const { actor, agencyId } = facts;
  if (Date.parse(facts.receivedAt) > Date.parse(facts.at))
    throw new DomainError('invalid', 'receivedAt is in the future', {
      fields: [{ field: 'receivedAt', message: 'must not be in the future' }],
    });
  if (actor.kind === 'admin') return;
  if (actor.kind === 'citizen') {
    // Online submission (SPEC §7): anyone may file, only online; the clerk accepts or rejects it from the queue.
    if (facts.channel !== 'online') throw new DomainError('forbidden', 'citizens file dossiers online only');
    return;
  }
  if (actor.agencyId !== agencyId) throw new DomainError('forbidden', `staff of ${actor.agencyId} cannot receive dossiers for ${agencyId}`);
  if (!actor.roles.some((r) => RECEIVE_ROLES.includes(r))) throw new DomainError('forbidden', 'receiving a dossier needs role clerk');
}

/** Refusal of an action: 409 when the status forbids it, 403 when the status allows it for other roles. */
function refuse(state: ReceivedDossier, action: DossierAction, actor: Actor): never {
  // The dossier's status under names of its own: `status` is the problem's HTTP status (RFC 9457).
  const facts = {
    dossierCode: state.dossierCode,
    dossierStatus: state.status,
    dossierStatusCode: STATUS_CODES[state.status],
    allowedActions: actionsIn(state.status, actor),
  };
  if (ruleFor(action, state.status))
    throw new DomainError('forbidden', `${action} in status ${state.status} needs another role`, {
      facts: { ...facts, requiredRoles: [...new Set(actionsRoles(action, state.status))] },
    });
  throw new DomainError('not-allowed', `${action} is not allowed in status ${state.status} (${STATUS_CODES[state.status]})`, { facts });
}
const actionsRoles = (action: DossierAction, status: DossierStatus) => ruleFor(action, status)?.roles ?? [];

function snapshot(
  state: ReceivedDossier,
  changes: Partial<Pick<DossierSnapshot, 'status' | 'dueAt' | 'overdue' | 'agencyId'>> = {},
): DossierSnapshot {
  const status = changes.status ?? state.status;
  return {
    dossierCode: state.dossierCode,
    agencyId: changes.agencyId ?? state.agencyId,
    status,
    statusCode: STATUS_CODES[status],
    dueAt: changes.dueAt ?? state.dueAt,
    overdue: changes.overdue ?? state.overdue,
  };
}

const act = (command: PerformAction, state: DossierState): DossierEvent[] => {
  const { requestId } = command.data;
  // A retry of an applied request, even if the caller no longer sees the dossier (a transfer).
  if (requestId !== undefined && state.received && state.requestIds.includes(requestId)) return [];
  const events = actionEvents(command, state);
  return requestId === undefined ? events : events.map((e) => ({ ...e, data: { ...e.data, requestId } }) as DossierEvent);
};

const actionEvents = (command: PerformAction, state: DossierState): DossierEvent[] => {
  const { request, actor, at } = command.data;
  if (!state.received || !canSee(state, actor)) throw new DomainError('not-found', 'no such dossier');
  const rule = ruleFor(request.action, state.status, actor);
  if (!rule) refuse(state, request.action, actor);
  const to = rule.to === 'same' ? state.status : rule.to === 'back' ? (state.statusBeforePause ?? 'accepted') : rule.to;
  const base = snapshot(state, { status: to });
  switch (request.action) {
    case 'accept': {
      if (state.channel !== 'online') return [{ type: 'DossierAccepted', data: { ...base, note: request.note ?? null } }];
      // An online dossier: the legal clock starts at valid receipt, its acceptance (the calendar's answers, in the command).
      const { started } = command.data;
      if (!started) throw new Error(`accept of online dossier ${state.dossierCode}: the command carries no calendar answers (started)`);
      return [
        {
          type: 'DossierAccepted',
          data: { ...snapshot(state, { status: to, dueAt: started.dueAt }), note: request.note ?? null, legalDueAt: started.legalDueAt },
        },
      ];
    }
    case 'confirm-payment':
      return [{ type: 'DossierPaymentConfirmed', data: { ...base, note: request.note ?? null } }];
    case 'complete':
      return [{ type: 'DossierCompleted', data: { ...base, note: request.note ?? null } }];
    case 'deliver-result':
      return [
        {
          type: 'DossierResultDelivered',
          data: {
            ...base,
            note: request.note ?? null,
            ...(request.files && request.files.length > 0 ? { files: [...request.files] } : {}),
          },
        },
      ];
    case 'reject':
      return [{ type: 'DossierRejected', data: { ...base, reason: request.reason } }];
    case 'stop':
      return [{ type: 'DossierStopped', data: { ...base, reason: request.reason } }];
    case 'request-withdrawal':
      return [{ type: 'DossierWithdrawalRequested', data: { ...base, reason: request.reason } }];
    case 'assign':
      return [{ type: 'DossierAssigned', data: { ...base, officer: request.officer ?? null, department: request.department ?? null } }];
    case 'request-supplement':
      return [
        { type: 'DossierSupplementRequested', data: { ...base, reason: request.reason, items: [...(request.items ?? [])], pausedAt: at } },
      ];
    case 'supplement': {
      // The clock stood still from the request to now: both due dates move by that office time (the calendar's answers, in the command).
      const { resumed } = command.data;
      if (!resumed) throw new Error(`supplement of dossier ${state.dossierCode}: the command carries no calendar answers (resumed)`);
      const { pausedWorkingMs, dueAt, legalDueAt } = resumed;
      return [
        {
          type: 'DossierSupplemented',
          data: {
            ...snapshot(state, { status: to, dueAt }),
            components: [...(request.components ?? [])],
            resumedAt: at,
            pausedWorkingMs,
            legalDueAt,
          },
        },
      ];
    }
    case 'request-payment':
      return [{ type: 'DossierPaymentRequested', data: { ...base, amount: request.amount, reason: request.reason ?? null } }];
    case 'transfer': {
      if (request.toAgencyId === state.agencyId)
        throw new DomainError('unprocessable', `dossier ${state.dossierCode} is already at agency ${state.agencyId}`);
      return [
        {
          type: 'DossierTransferred',
          data: {
            ...snapshot(state, { status: to, agencyId: request.toAgencyId }),
            fromAgencyId: state.agencyId,
            reason: request.reason ?? null,
          },
        },
      ];
    }
    case 'apologize': {
      const newDueAt = new Date(request.newDueAt);
      if (!(newDueAt.getTime() > Date.parse(state.dueAt)) || !(newDueAt.getTime() > Date.parse(at)))
        throw new DomainError('unprocessable', `newDueAt must be later than the current due date ${state.dueAt} and than now`, {
          facts: { dueAt: state.dueAt },
        });
      // A new appointment: the dossier is not overdue again until it passes.
      return [
        {
          type: 'DossierApologized',
          data: {
            ...snapshot(state, { status: to, dueAt: newDueAt.toISOString(), overdue: false }),
            reason: request.reason,
            previousDueAt: state.dueAt,
          },
        },
      ];
    }
    default:
      return assertNever(request, 'action');
  }
};

/**
 * A citizen's action with the code and PIN (checked by the service), or the payment provider's
 * verified confirmation: refused with 409 when the status does not allow it; a payment must be
 * of the amount requested (422 otherwise). A keyed retry applies nothing.
 */
const citizenAct = (command: CitizenAct, state: DossierState): DossierEvent[] => {
  const { request, at, requestId } = command.data;
  if (!state.received) throw new DomainError('not-found', 'no such dossier');
  if (requestId !== undefined && state.requestIds.includes(requestId)) return [];
  const rule = CITIZEN_RULES.find((r) => r.action === request.action && r.from.includes(state.status));
  if (!rule)
    throw new DomainError('not-allowed', `${request.action} is not allowed in status ${state.status} (${STATUS_CODES[state.status]})`, {
      facts: {
        dossierCode: state.dossierCode,
        dossierStatus: state.status,
        dossierStatusCode: STATUS_CODES[state.status],
        allowedActions: citizenActionsIn(state.status),
      },
    });
  const to = rule.to === 'back' ? (state.statusBeforePause ?? 'accepted') : rule.to;
  const keyed = requestId === undefined ? {} : { requestId };
  switch (request.action) {
    case 'withdraw':
      return [
        {
          type: 'DossierWithdrawalRequested',
          data: { ...snapshot(state, { status: to }), reason: request.reason, by: 'citizen', ...keyed },
        },
      ];
    case 'supplement': {
      const { resumed } = command.data;
      if (!resumed) throw new Error(`supplement of dossier ${state.dossierCode}: the command carries no calendar answers (resumed)`);
      return [
        {
          type: 'DossierSupplemented',
          data: {
            ...snapshot(state, { status: to, dueAt: resumed.dueAt }),
            components: [...request.components],
            resumedAt: at,
            pausedWorkingMs: resumed.pausedWorkingMs,
            legalDueAt: resumed.legalDueAt,
            by: 'citizen',
            ...keyed,
          },
        },
      ];
    }
    case 'confirm-payment':
      if (request.amount !== state.paymentDue)
        throw new DomainError(
          'unprocessable',
          `payment of ${request.amount} VND does not match the ${state.paymentDue ?? 0} VND requested`,
          {
            facts: { dossierCode: state.dossierCode, amountDue: state.paymentDue },
          },
        );
      return [
        {
          type: 'DossierPaymentConfirmed',
          data: { ...snapshot(state, { status: to }), note: null, paymentId: request.paymentId, amount: request.amount, ...keyed },
        },
      ];
    default:
      return assertNever(request, 'citizen action');
  }
};

/**
 * The dossier aggregate. Pure: what depends on the working calendar (due dates, paused office
 * time) comes decided in the command, so replaying a command gives the same events.
 */
export const dossierDecider: Decider<DossierState, DossierCommand, DossierEvent> = {
  initialState: () => ({ received: false }),

  decide(command, state) {
    switch (command.type) {
      case 'ReceiveDossier': {
        const d = command.data;
        if (state.received) {
          if (d.requestId !== undefined && state.requestIds.includes(d.requestId)) return []; // a retry
          throw new DomainError('duplicate', `dossier ${state.dossierCode} already exists`);
        }
        assertMayReceive(d);
        const { dueAt } = d;
        return [
          {
            type: 'DossierReceived',
            data: {
              dossierCode: d.dossierCode,
              agencyId: d.agencyId,
              status: 'new',
              statusCode: STATUS_CODES.new,
              dueAt,
              overdue: false,
              procedureCode: d.procedure.code,
              procedureVersion: d.procedure.version,
              procedureName: d.procedure.name,
              processingDays: d.procedure.processingDays,
              channel: d.channel,
              receivedAt: new Date(d.receivedAt).toISOString(),
              legalDueAt: dueAt,
              pinHash: d.pinHash,
              applicant: { maskedName: d.maskedName },
              applicantSealed: d.applicantSealed,
              components: [...d.components],
              ...(d.requestId !== undefined ? { requestId: d.requestId } : {}),
            },
          },
        ];
      }
      case 'PerformAction':
        return act(command, state);
      case 'CitizenAct':
        return citizenAct(command, state);
      case 'MarkOverdue': {
        if (!state.received) throw new DomainError('not-found', 'no such dossier');
        const why = isResolved(state.status)
          ? 'it is resolved'
          : state.pausedAt !== null
            ? 'its clock is paused'
            : state.channel === 'online' && state.status === 'new'
              ? 'its clock starts when it is accepted'
              : state.overdue
                ? 'it is already overdue for this due date'
                : !duePassed(state, new Date(command.data.at))
                  ? 'its due date has not passed'
                  : null;
        if (why) throw new DomainError('conflict', `dossier ${state.dossierCode} cannot become overdue: ${why}`);
        return [{ type: 'DossierBecameOverdue', data: snapshot(state, { overdue: true }) }];
      }
      default:
        return assertNever(command, 'command');
    }
  },

  evolve: evolveDossier,
};

/** Pure fold, shared with the audit time travel. */
export function evolveDossier(state: DossierState, event: DossierEvent): DossierState {
  if (event.type === 'DossierReceived') {
    const d = event.data;
    return {
      received: true,
      dossierCode: d.dossierCode,
      agencyId: d.agencyId,
      procedureCode: d.procedureCode,
      procedureVersion: d.procedureVersion,
      procedureName: d.procedureName,
      processingDays: d.processingDays,
      channel: d.channel,
      receivedAt: d.receivedAt,
      dueAt: d.dueAt,
      legalDueAt: d.legalDueAt,
      status: d.status,
      pausedAt: null,
      statusBeforePause: null,
      overdue: false,
      officer: null,
      department: null,
      pinHash: d.pinHash,
      maskedName: d.applicant.maskedName,
      applicantSealed: d.applicantSealed,
      components: d.components,
      requestIds: d.requestId !== undefined ? [d.requestId] : [],
      paymentDue: null,
      supplementRequest: null,
      resultFiles: [],
    };
  }
  if (!state.received) return state;
  const d = event.data;
  return {
    ...evolveProgress(state, event),
    components: event.type === 'DossierSupplemented' ? [...state.components, ...event.data.components] : state.components,
    requestIds: d.requestId !== undefined ? [...state.requestIds, d.requestId] : state.requestIds,
    paymentDue:
      event.type === 'DossierPaymentRequested' ? event.data.amount : event.type === 'DossierPaymentConfirmed' ? null : state.paymentDue,
    supplementRequest:
      event.type === 'DossierSupplementRequested'
        ? { reason: event.data.reason, items: event.data.items }
        : event.type === 'DossierSupplemented'
          ? null
          : state.supplementRequest,
    resultFiles: event.type === 'DossierResultDelivered' ? (event.data.files ?? []) : state.resultFiles,
  };
}

/** What the events after the receipt change of a dossier besides its components and keyed requests: the part read models keep too. */
export type DossierProgress = Pick<
  ReceivedDossier,
  'status' | 'agencyId' | 'dueAt' | 'legalDueAt' | 'overdue' | 'pausedAt' | 'statusBeforePause' | 'officer' | 'department'
>;

/** The one fold of those fields, for the aggregate (`evolveDossier`) and for the queue's rows alike. */
export function evolveProgress<S extends DossierProgress>(state: S, event: Exclude<DossierEvent, DossierReceived>): S {
  // Every event carries the snapshot: status, agency, dueAt, overdue.
  const d = event.data;
  const next: S = { ...state, status: d.status, agencyId: d.agencyId, dueAt: d.dueAt, overdue: d.overdue };
  switch (event.type) {
    case 'DossierSupplementRequested':
      return { ...next, pausedAt: event.data.pausedAt, statusBeforePause: state.status };
    case 'DossierSupplemented':
      return { ...next, pausedAt: null, statusBeforePause: null, legalDueAt: event.data.legalDueAt };
    case 'DossierAssigned':
      return { ...next, officer: event.data.officer, department: event.data.department };
    case 'DossierTransferred':
      // The new agency assigns its own officer.
      return { ...next, officer: null, department: null };
    case 'DossierRejected':
    case 'DossierStopped':
    case 'DossierCompleted':
      return { ...next, pausedAt: null, statusBeforePause: null };
    case 'DossierAccepted':
      return event.data.legalDueAt === undefined ? next : { ...next, legalDueAt: event.data.legalDueAt };
    case 'DossierPaymentRequested':
    case 'DossierPaymentConfirmed':
    case 'DossierWithdrawalRequested':
    case 'DossierResultDelivered':
    case 'DossierApologized':
    case 'DossierBecameOverdue':
      return next;
    default:
      return assertNever(event, 'event');
  }
}
