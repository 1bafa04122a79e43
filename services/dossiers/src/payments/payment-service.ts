import { randomUUID } from 'node:crypto';
import { derivedId, handleCommand, isDomainError } from '@lienthong/decider';
import { ExpectedRevision, type EventStore } from '@lienthong/event-store';
import { AppError, type Logger } from '@lienthong/service-kit';
import {
  PAYMENT_REFUSAL_STREAM_PREFIX,
  parseAttemptRef,
  paymentDecider,
  paymentStream,
  type NotificationRefusal,
  type PaymentEvent,
  type RequestedPayment,
} from '../domain/payment-decider.js';
import { DossierStreams } from '../domain/events.js';
import type { Context, DossierService } from '../dossier-service.js';
import type { PaymentProvider } from './provider.js';

/** VNPay's IPN answer (`RspCode`, `Message`), the provider's own format rather than problem+json. */
export interface IpnAnswer {
  readonly RspCode: '00' | '01' | '02' | '04' | '97' | '99';
  readonly Message: string;
}

export const IPN_ANSWERS = {
  confirmed: { RspCode: '00', Message: 'Confirm Success' },
  'unknown-order': { RspCode: '01', Message: 'Order not found' },
  'already-confirmed': { RspCode: '02', Message: 'Order already confirmed' },
  'wrong-amount': { RspCode: '04', Message: 'Invalid amount' },
  'bad-signature': { RspCode: '97', Message: 'Invalid signature' },
  other: { RspCode: '99', Message: 'Unknown error' },
} as const satisfies Record<NotificationRefusal | 'confirmed' | 'other', IpnAnswer>;

/** The answer to `POST /v1/public/dossiers/:code/payments`. */
export interface StartedPayment {
  readonly paymentId: string;
  readonly dossierCode: string;
  readonly amount: number;
  readonly attempt: number;
  readonly redirectUrl: string;
  readonly expiresAt: string;
}

/** Where the payer's return lands on the portal: the dossier, the payment and what the hub knows of it now. */
export interface PaymentReturn {
  readonly dossierCode: string | null;
  readonly paymentId: string | null;
  readonly result: 'paid' | 'failed' | 'pending' | 'invalid';
}

export interface PaymentService {
  /** With code and PIN: a new attempt at the fee due (null: no such dossier or a wrong PIN). */
  start(code: string, pin: string, payer: { clientIp: string; returnUrl: string }, context: Context): Promise<StartedPayment | null>;
  /** The provider's server notification (IPN): recorded whatever it says, answered in the provider's terms. */
  notify(query: Readonly<Record<string, unknown>>, context: Context): Promise<IpnAnswer>;
  /** The payer's return: verified, nothing recorded (the IPN decides). */
  returned(query: Readonly<Record<string, unknown>>): Promise<PaymentReturn>;
}

export interface PaymentServiceDeps {
  readonly store: EventStore;
  readonly dossiers: DossierService;
  /** null: online payment is not configured (`LT_VNPAY_*` unset). */
  readonly provider: PaymentProvider | null;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** How long the provider's page accepts an attempt (default 15 minutes). */
  readonly attemptTtlMs?: number;
}

/** The payment of the dossier's latest fee request: one id per `DossierPaymentRequested`. */
const paymentIdOf = (dossierCode: string, requestRevision: number) => derivedId('dossier-payment', dossierCode, String(requestRevision));

export function createPaymentService(deps: PaymentServiceDeps): PaymentService {
  const { store, dossiers, provider, clock, logger } = deps;
  const ttl = deps.attemptTtlMs ?? 15 * 60_000;

  async function load(paymentId: string): Promise<RequestedPayment | null> {
    const events = await store.readStream(paymentStream(paymentId));
    let state = paymentDecider.initialState();
    for (const e of events) state = paymentDecider.evolve(state, { type: e.type, data: e.data } as PaymentEvent);
    return state.requested ? state : null;
  }

  /** A refusal that names no payment of ours (a forged signature, an unknown order): a stream of its own. */
  async function recordStray(attemptRef: string | null, reason: NotificationRefusal, context: Context): Promise<void> {
    const event: PaymentEvent = {
      type: 'PaymentNotificationRefused',
      data: { paymentId: null, dossierCode: null, attemptRef: attemptRef?.slice(0, 128) ?? null, amount: null, reason, responseCode: null },
    };
    await store.append(
      `${PAYMENT_REFUSAL_STREAM_PREFIX}${randomUUID()}`,
      [{ ...event, metadata: { correlationId: context.correlationId, actor: context.actor, at: clock().toISOString() } }],
      { expectedRevision: ExpectedRevision.noStream },
    );
  }

  /**
   * Moves the dossier on for a confirmed payment, keyed by the payment (a retry adds nothing);
   * a dossier that refuses (withdrawn meanwhile, another fee due) leaves the payment to staff.
   */
  async function apply(payment: RequestedPayment, context: Context): Promise<void> {
    try {
      await dossiers.citizenAct(
        payment.dossierCode,
        null,
        { action: 'confirm-payment', paymentId: payment.paymentId, amount: payment.amount },
        context,
        derivedId('payment-confirmation', payment.paymentId),
      );
    } catch (error) {
      if (!isDomainError(error)) throw error;
      logger.warn({ paymentId: payment.paymentId, dossierCode: payment.dossierCode, reason: error.message }, 'paid, not applied');
      await handleCommand(
        store,
        paymentDecider,
        paymentStream(payment.paymentId),
        { type: 'RecordNotApplied', data: { reason: error.message } },
        context,
      );
    }
  }

  return {
    async start(code, pin, payer, context) {
      const view = await dossiers.citizenView(code, pin);
      if (!view) return null;
      if (view.status !== 'payment-requested' || view.paymentDue === null)
        throw new AppError('LT_ACTION_NOT_ALLOWED', `no fee is due in status ${view.status} (${view.statusCode})`, {
          extensions: { dossierCode: view.dossierCode, dossierStatus: view.status, dossierStatusCode: view.statusCode },
        });
      if (!provider)
        throw new AppError('LT_UNAVAILABLE', 'online payment is not configured (LT_VNPAY_URL, LT_VNPAY_TMN_CODE, LT_VNPAY_SECRET)');
      const events = await store.readStream(DossierStreams.dossier(code));
      const request = events.findLast((e) => e.type === 'DossierPaymentRequested');
      if (!request) throw new Error(`dossier ${code}: status payment-requested without DossierPaymentRequested`);
      const paymentId = paymentIdOf(code, request.revision);
      const now = clock();
      const expiresAt = new Date(now.getTime() + ttl);
      const prior = await load(paymentId);
      if (prior?.confirmedRef != null) {
        // Paid, and the dossier not moved on yet (a crash after the IPN was recorded): apply it now.
        await apply(prior, context);
        throw new AppError('LT_CONFLICT', `payment ${paymentId} is already paid`, { extensions: { paymentId, dossierCode: code } });
      }
      const result = await handleCommand(
        store,
        paymentDecider,
        paymentStream(paymentId),
        {
          type: 'StartPaymentAttempt',
          data: {
            paymentId,
            dossierCode: code,
            agencyId: view.agencyId,
            amount: view.paymentDue,
            reason: (request.data as { reason?: string | null }).reason ?? null,
            provider: provider.name,
            at: now.toISOString(),
            expiresAt: expiresAt.toISOString(),
          },
        },
        { ...context, now },
      );
      const started = result.appended.at(-1)!.data as Extract<PaymentEvent, { type: 'PaymentAttemptStarted' }>['data'];
      const redirectUrl = provider.redirectUrl({
        attemptRef: started.attemptRef,
        amount: started.amount,
        description: `Thanh toan phi ho so ${code}`,
        clientIp: payer.clientIp,
        returnUrl: payer.returnUrl,
        createdAt: now,
        expiresAt,
      });
      return { paymentId, dossierCode: code, amount: started.amount, attempt: started.attempt, redirectUrl, expiresAt: started.expiresAt };
    },

    async notify(query, context) {
      if (!provider) return IPN_ANSWERS.other;
      try {
        const callback = provider.verify(query);
        if (!callback.verified) {
          await recordStray(callback.attemptRef, 'bad-signature', context);
          return IPN_ANSWERS['bad-signature'];
        }
        const { notice } = callback;
        const parsed = parseAttemptRef(notice.attemptRef);
        const payment = parsed && (await load(parsed.paymentId));
        if (!parsed || !payment || !payment.attempts.some((a) => a.attemptRef === notice.attemptRef)) {
          await recordStray(notice.attemptRef, 'unknown-order', context);
          return IPN_ANSWERS['unknown-order'];
        }
        const result = await handleCommand(
          store,
          paymentDecider,
          paymentStream(parsed.paymentId),
          { type: 'RecordPaymentNotice', data: notice },
          context,
          {
            retries: 10,
          },
        );
        const event = result.appended[0]!.data;
        const state = result.state as RequestedPayment;
        const recorded = result.appended[0]!.type as PaymentEvent['type'];
        logger.info(
          { paymentId: state.paymentId, attemptRef: notice.attemptRef, recorded, responseCode: notice.responseCode },
          'payment notification',
        );
        if (recorded === 'PaymentConfirmed') {
          await apply(state, context);
          return IPN_ANSWERS.confirmed;
        }
        if (recorded === 'PaymentFailed') return IPN_ANSWERS.confirmed;
        const reason = (event as { reason: NotificationRefusal }).reason;
        // A replay after a crash between recording and applying: apply now (keyed, so at most once).
        if (reason === 'already-confirmed' && state.confirmedRef !== null && !state.notApplied) await apply(state, context);
        return IPN_ANSWERS[reason];
      } catch (error) {
        logger.error({ err: error }, 'payment notification not recorded');
        return IPN_ANSWERS.other;
      }
    },

    async returned(query) {
      const callback = provider?.verify(query);
      if (!callback?.verified) return { dossierCode: null, paymentId: null, result: 'invalid' };
      const parsed = parseAttemptRef(callback.notice.attemptRef);
      const payment = parsed && (await load(parsed.paymentId));
      const attempt = payment?.attempts.find((a) => a.attemptRef === callback.notice.attemptRef);
      if (!payment || !attempt) return { dossierCode: null, paymentId: null, result: 'invalid' };
      const result = payment.confirmedRef !== null ? 'paid' : attempt.status === 'failed' ? 'failed' : 'pending';
      return { dossierCode: payment.dossierCode, paymentId: payment.paymentId, result };
    },
  };
}
