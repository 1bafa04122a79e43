import { DomainError, assertNever, type Decider } from '@lienthong/decider';

/**
 * An online payment (thanh toán trực tuyến) of the fee a dossier's `request-payment` asked for
 * (SPEC §7): stream `payment-<paymentId>`, one per payment request of a dossier. Each time the
 * citizen is sent to the provider is an attempt with a reference of its own (VNPay's
 * `vnp_TxnRef`); the provider's notifications are recorded against it, accepted or refused.
 */
export const PAYMENT_STREAM_PREFIX = 'payment-';
/** Notifications refused before any payment could be named (a forged signature, an unknown order). */
export const PAYMENT_REFUSAL_STREAM_PREFIX = 'paymentrefusal-';
export const paymentStream = (paymentId: string) => `${PAYMENT_STREAM_PREFIX}${paymentId}`;

/** Why a provider's notification was not taken: each maps to the provider's own answer code. */
export type NotificationRefusal = 'bad-signature' | 'unknown-order' | 'already-confirmed' | 'wrong-amount';

/** What a provider says happened to an attempt, its signature already verified. */
export interface PaymentNotice {
  readonly attemptRef: string;
  /** VND, as the provider reports it. */
  readonly amount: number;
  readonly paid: boolean;
  /** The provider's response and transaction status codes (`00` paid). */
  readonly responseCode: string;
  readonly transactionStatus: string | null;
  readonly providerTransactionNo: string | null;
  readonly bankCode: string | null;
  /** The provider's payment time, as it reports it. */
  readonly payDate: string | null;
}

export type PaymentEvent =
  | {
      readonly type: 'PaymentRequested';
      readonly data: {
        readonly paymentId: string;
        readonly dossierCode: string;
        readonly agencyId: string;
        readonly amount: number;
        readonly reason: string | null;
        readonly provider: string;
      };
    }
  | {
      readonly type: 'PaymentAttemptStarted';
      readonly data: {
        readonly paymentId: string;
        readonly dossierCode: string;
        readonly agencyId: string;
        readonly attempt: number;
        readonly attemptRef: string;
        readonly amount: number;
        readonly provider: string;
        readonly startedAt: string;
        readonly expiresAt: string;
      };
    }
  | { readonly type: 'PaymentConfirmed'; readonly data: PaymentNotice & { readonly paymentId: string; readonly dossierCode: string } }
  | { readonly type: 'PaymentFailed'; readonly data: PaymentNotice & { readonly paymentId: string; readonly dossierCode: string } }
  | {
      readonly type: 'PaymentNotificationRefused';
      readonly data: {
        readonly paymentId: string | null;
        readonly dossierCode: string | null;
        readonly attemptRef: string | null;
        readonly amount: number | null;
        readonly reason: NotificationRefusal;
        readonly responseCode: string | null;
      };
    }
  /** Paid, but the dossier refused the confirmation (withdrawn meanwhile, another amount now due): staff refund or settle it. */
  | {
      readonly type: 'PaymentNotApplied';
      readonly data: { readonly paymentId: string; readonly dossierCode: string; readonly reason: string };
    };

export type PaymentCommand =
  | {
      readonly type: 'StartPaymentAttempt';
      readonly data: {
        readonly paymentId: string;
        readonly dossierCode: string;
        readonly agencyId: string;
        readonly amount: number;
        readonly reason: string | null;
        readonly provider: string;
        readonly at: string;
        readonly expiresAt: string;
      };
    }
  | { readonly type: 'RecordPaymentNotice'; readonly data: PaymentNotice }
  | { readonly type: 'RecordNotApplied'; readonly data: { readonly reason: string } };

export interface PaymentAttempt {
  readonly attempt: number;
  readonly attemptRef: string;
  readonly amount: number;
  readonly status: 'pending' | 'confirmed' | 'failed';
}

export type PaymentState =
  | { readonly requested: false }
  | {
      readonly requested: true;
      readonly paymentId: string;
      readonly dossierCode: string;
      readonly agencyId: string;
      readonly amount: number;
      readonly attempts: readonly PaymentAttempt[];
      /** The attempt that paid, once one did. */
      readonly confirmedRef: string | null;
      readonly notApplied: boolean;
    };
export type RequestedPayment = Extract<PaymentState, { requested: true }>;

/** An attempt's reference: the payment id's 32 hex digits and the attempt number (letters and digits only, as VNPay's `vnp_TxnRef` is safest). */
export function attemptRef(paymentId: string, attempt: number): string {
  return `${paymentId.replaceAll('-', '')}${attempt}`;
}

/** The payment id and attempt number of a reference, or null when it is not one of ours. */
export function parseAttemptRef(ref: string): { paymentId: string; attempt: number } | null {
  const m = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})([1-9]\d{0,3})$/.exec(ref);
  if (!m) return null;
  return { paymentId: `${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`, attempt: Number(m[6]) };
}

const refused = (state: RequestedPayment, notice: PaymentNotice, reason: NotificationRefusal): PaymentEvent => ({
  type: 'PaymentNotificationRefused',
  data: {
    paymentId: state.paymentId,
    dossierCode: state.dossierCode,
    attemptRef: notice.attemptRef,
    amount: notice.amount,
    reason,
    responseCode: notice.responseCode,
  },
});

/**
 * A payment. Pure: the payment id, the amount due and the times come in the command. A
 * notification is decided into an event whatever it says, so every one is on record: confirmed
 * or failed once per attempt, and a replay, a second payment or a wrong amount refused.
 */
export const paymentDecider: Decider<PaymentState, PaymentCommand, PaymentEvent> = {
  initialState: () => ({ requested: false }),

  decide(command, state) {
    switch (command.type) {
      case 'StartPaymentAttempt': {
        const d = command.data;
        if (!Number.isSafeInteger(d.amount) || d.amount <= 0)
          throw new DomainError('unprocessable', `nothing to pay: the amount due is ${d.amount} VND`, { facts: { amountDue: d.amount } });
        if (state.requested && state.confirmedRef !== null)
          throw new DomainError('conflict', `payment ${state.paymentId} is already paid`, {
            facts: { paymentId: state.paymentId, dossierCode: state.dossierCode },
          });
        const attempt = state.requested ? state.attempts.length + 1 : 1;
        const opened: PaymentEvent[] = state.requested
          ? []
          : [
              {
                type: 'PaymentRequested',
                data: {
                  paymentId: d.paymentId,
                  dossierCode: d.dossierCode,
                  agencyId: d.agencyId,
                  amount: d.amount,
                  reason: d.reason,
                  provider: d.provider,
                },
              },
            ];
        return [
          ...opened,
          {
            type: 'PaymentAttemptStarted',
            data: {
              paymentId: d.paymentId,
              dossierCode: d.dossierCode,
              agencyId: d.agencyId,
              attempt,
              attemptRef: attemptRef(d.paymentId, attempt),
              amount: d.amount,
              provider: d.provider,
              startedAt: d.at,
              expiresAt: d.expiresAt,
            },
          },
        ];
      }
      case 'RecordPaymentNotice': {
        const notice = command.data;
        if (!state.requested) throw new DomainError('not-found', `no payment for ${notice.attemptRef}`);
        const attempt = state.attempts.find((a) => a.attemptRef === notice.attemptRef);
        if (!attempt) throw new DomainError('not-found', `no attempt ${notice.attemptRef}`);
        // Settled already (this attempt, or the payment by another): a replay, or a second payment to refund.
        if (attempt.status !== 'pending' || state.confirmedRef !== null) return [refused(state, notice, 'already-confirmed')];
        if (notice.amount !== attempt.amount) return [refused(state, notice, 'wrong-amount')];
        const data = { ...notice, paymentId: state.paymentId, dossierCode: state.dossierCode };
        return [notice.paid ? { type: 'PaymentConfirmed', data } : { type: 'PaymentFailed', data }];
      }
      case 'RecordNotApplied':
        if (!state.requested || state.confirmedRef === null || state.notApplied) return [];
        return [
          { type: 'PaymentNotApplied', data: { paymentId: state.paymentId, dossierCode: state.dossierCode, reason: command.data.reason } },
        ];
      default:
        return assertNever(command, 'command');
    }
  },

  evolve(state, event) {
    const settle = (ref: string, status: PaymentAttempt['status']) =>
      state.requested ? state.attempts.map((a) => (a.attemptRef === ref ? { ...a, status } : a)) : [];
    switch (event.type) {
      case 'PaymentRequested':
        return {
          requested: true,
          paymentId: event.data.paymentId,
          dossierCode: event.data.dossierCode,
          agencyId: event.data.agencyId,
          amount: event.data.amount,
          attempts: [],
          confirmedRef: null,
          notApplied: false,
        };
      case 'PaymentAttemptStarted':
        if (!state.requested) return state;
        return {
          ...state,
          attempts: [
            ...state.attempts,
            { attempt: event.data.attempt, attemptRef: event.data.attemptRef, amount: event.data.amount, status: 'pending' },
          ],
        };
      case 'PaymentConfirmed':
        return state.requested
          ? { ...state, attempts: settle(event.data.attemptRef, 'confirmed'), confirmedRef: event.data.attemptRef }
          : state;
      case 'PaymentFailed':
        return state.requested ? { ...state, attempts: settle(event.data.attemptRef, 'failed') } : state;
      case 'PaymentNotApplied':
        return state.requested ? { ...state, notApplied: true } : state;
      case 'PaymentNotificationRefused':
        return state;
      default:
        return assertNever(event, 'event');
    }
  },
};
