import type { Actor, DossierAction } from './rules.js';
import type { DossierComponent, DossierFile } from './events.js';

/** The body of each action (SPEC §4), after validation. */
export type ActionRequest =
  | { readonly action: 'accept' | 'confirm-payment' | 'complete'; readonly note?: string | undefined }
  | { readonly action: 'deliver-result'; readonly note?: string | undefined; readonly files?: readonly DossierFile[] | undefined }
  | { readonly action: 'reject' | 'stop' | 'request-withdrawal'; readonly reason: string }
  | { readonly action: 'assign'; readonly officer?: string | undefined; readonly department?: string | undefined }
  | { readonly action: 'request-supplement'; readonly reason: string; readonly items?: readonly string[] | undefined }
  | { readonly action: 'supplement'; readonly components?: readonly DossierComponent[] | undefined }
  | { readonly action: 'request-payment'; readonly amount: number; readonly reason?: string | undefined }
  | { readonly action: 'transfer'; readonly toAgencyId: string; readonly reason?: string | undefined }
  | { readonly action: 'apologize'; readonly reason: string; readonly newDueAt: string };

/** Compile-time check that every action has a request shape. */
export type _EveryActionHasABody = DossierAction extends ActionRequest['action'] ? true : never;

export type ReceiveDossier = {
  readonly type: 'ReceiveDossier';
  readonly data: {
    readonly dossierCode: string;
    readonly agencyId: string;
    readonly procedure: { readonly code: string; readonly version: number; readonly name: string; readonly processingDays: number };
    readonly channel: 'counter' | 'online' | 'postal';
    readonly receivedAt: string;
    /** The calendar's answer, decided by the handler: `receivedAt` plus the procedure's processing days in working days. */
    readonly dueAt: string;
    readonly pinHash: string;
    readonly maskedName: string;
    readonly applicantSealed: string;
    readonly components: readonly DossierComponent[];
    readonly actor: Actor;
    /** Decision time (now). */
    readonly at: string;
    /** A keyed request: receiving it again (a retry) records nothing. */
    readonly requestId?: string | undefined;
  };
};

/**
 * The calendar's answers for resuming a paused clock at `at`, decided by the handler on the
 * state the command is decided on: the office time it stood still, and both due dates moved by it.
 */
export interface ResumedClock {
  readonly pausedWorkingMs: number;
  readonly dueAt: string;
  readonly legalDueAt: string;
}

export type PerformAction = {
  readonly type: 'PerformAction';
  /**
   * `requestId`: a keyed request; performing it again (a retry) applies nothing. `resumed`: the
   * calendar's answers, required by a supplement (the clock resumes), ignored otherwise.
   */
  readonly data: {
    readonly request: ActionRequest;
    readonly actor: Actor;
    readonly at: string;
    readonly requestId?: string | undefined;
    readonly resumed?: ResumedClock | undefined;
    /** The calendar's answers when accepting an online dossier starts its legal clock at `at`: required then, ignored otherwise. */
    readonly started?: StartedClock | undefined;
  };
};

/** The due dates of a clock started at acceptance: `at` plus the procedure's processing days, in working days. */
export interface StartedClock {
  readonly dueAt: string;
  readonly legalDueAt: string;
}

/**
 * What a citizen does online with the code and PIN (SPEC §7), checked by the service before the
 * command is made; `confirm-payment` comes from the payment provider's verified notification.
 */
export type CitizenRequest =
  | { readonly action: 'withdraw'; readonly reason: string }
  | { readonly action: 'supplement'; readonly components: readonly DossierComponent[] }
  | { readonly action: 'confirm-payment'; readonly paymentId: string; readonly amount: number };

export type CitizenAct = {
  readonly type: 'CitizenAct';
  /** `resumed`: the calendar's answers, required by a supplement. `requestId`: a retry applies nothing. */
  readonly data: {
    readonly request: CitizenRequest;
    readonly at: string;
    readonly requestId?: string | undefined;
    readonly resumed?: ResumedClock | undefined;
  };
};

/** From the overdue scheduler. */
export type MarkOverdue = { readonly type: 'MarkOverdue'; readonly data: { readonly at: string } };

export type DossierCommand = ReceiveDossier | PerformAction | CitizenAct | MarkOverdue;
