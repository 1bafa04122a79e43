import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { attemptRef, parseAttemptRef, paymentDecider as decider, type PaymentEvent, type PaymentNotice } from './payment-decider.js';

const PAYMENT = '0f8fad5b-d9cb-469f-a165-70867728950e';
const DOSSIER = '000.00.12.H40-260309-0002';
const AGENCY = '000.00.12.H40';
const start = (at = '2026-03-13T01:00:00.000Z') =>
  ({
    type: 'StartPaymentAttempt',
    data: {
      paymentId: PAYMENT,
      dossierCode: DOSSIER,
      agencyId: AGENCY,
      amount: 50_000,
      reason: 'Lệ phí',
      provider: 'vnpay',
      at,
      expiresAt: '2026-03-13T01:15:00.000Z',
    },
  }) as const;
const requested: PaymentEvent = {
  type: 'PaymentRequested',
  data: { paymentId: PAYMENT, dossierCode: DOSSIER, agencyId: AGENCY, amount: 50_000, reason: 'Lệ phí', provider: 'vnpay' },
};
const attempt = (n: number): PaymentEvent => ({
  type: 'PaymentAttemptStarted',
  data: {
    paymentId: PAYMENT,
    dossierCode: DOSSIER,
    agencyId: AGENCY,
    attempt: n,
    attemptRef: attemptRef(PAYMENT, n),
    amount: 50_000,
    provider: 'vnpay',
    startedAt: '2026-03-13T01:00:00.000Z',
    expiresAt: '2026-03-13T01:15:00.000Z',
  },
});
const notice = (n: number, more: Partial<PaymentNotice> = {}): PaymentNotice => ({
  attemptRef: attemptRef(PAYMENT, n),
  amount: 50_000,
  paid: true,
  responseCode: '00',
  transactionStatus: '00',
  providerTransactionNo: '14000001',
  bankCode: 'NCB',
  payDate: '20260313081500',
  ...more,
});
const confirmed = (n: number): PaymentEvent => ({
  type: 'PaymentConfirmed',
  data: { ...notice(n), paymentId: PAYMENT, dossierCode: DOSSIER },
});
const refused = (n: number, reason: 'already-confirmed' | 'wrong-amount', amount = 50_000): PaymentEvent => ({
  type: 'PaymentNotificationRefused',
  data: { paymentId: PAYMENT, dossierCode: DOSSIER, attemptRef: attemptRef(PAYMENT, n), amount, reason, responseCode: '00' },
});

t.test('an attempt reference carries the payment id and the attempt number, letters and digits only', async (t) => {
  const ref = attemptRef(PAYMENT, 12);
  t.match(ref, /^[0-9a-f]+$/);
  t.same(parseAttemptRef(ref), { paymentId: PAYMENT, attempt: 12 });
  t.equal(parseAttemptRef('ORDER1'), null);
  t.equal(parseAttemptRef(`${ref}x`), null);
  t.equal(parseAttemptRef(`${PAYMENT.replaceAll('-', '')}0`), null, 'attempts count from 1');
});

t.test('the first attempt opens the payment; a retry is a new attempt; a paid payment takes no more', async (t) => {
  spec(decider)
    .given([])
    .when(start())
    .then(t, [requested, attempt(1)]);
  spec(decider)
    .given([requested, attempt(1)])
    .when(start())
    .then(t, [attempt(2)]);
  spec(decider)
    .given([requested, attempt(1), confirmed(1)])
    .when(start())
    .thenThrows(t, { kind: 'conflict', message: /already paid/ });
  spec(decider)
    .given([])
    .when({ ...start(), data: { ...start().data, amount: 0 } })
    .thenThrows(t, { kind: 'unprocessable' }, 'nothing to pay');
});

t.test('a notification is decided into an event whatever it says', async (t) => {
  const given = spec(decider).given([requested, attempt(1), attempt(2)]);
  given.when({ type: 'RecordPaymentNotice', data: notice(2) }).then(t, [confirmed(2)]);
  given.when({ type: 'RecordPaymentNotice', data: notice(1, { paid: false, responseCode: '24', transactionStatus: '02' }) }).then(t, [
    {
      type: 'PaymentFailed',
      data: { ...notice(1, { paid: false, responseCode: '24', transactionStatus: '02' }), paymentId: PAYMENT, dossierCode: DOSSIER },
    },
  ]);
  given.when({ type: 'RecordPaymentNotice', data: notice(2, { amount: 1_050_000 }) }).then(t, [refused(2, 'wrong-amount', 1_050_000)]);
  // a replay of the confirmation, and another attempt paid after the payment was: both refused as already confirmed
  const paid = spec(decider).given([requested, attempt(1), attempt(2), confirmed(2)]);
  paid.when({ type: 'RecordPaymentNotice', data: notice(2) }).then(t, [refused(2, 'already-confirmed')]);
  paid.when({ type: 'RecordPaymentNotice', data: notice(1) }).then(t, [refused(1, 'already-confirmed')]);
  given.when({ type: 'RecordPaymentNotice', data: notice(3) }).thenThrows(t, { kind: 'not-found' }, 'an attempt never started');
  spec(decider)
    .given([])
    .when({ type: 'RecordPaymentNotice', data: notice(1) })
    .thenThrows(t, { kind: 'not-found' });
});

t.test('paid but not applied to the dossier: recorded once, for staff to settle', async (t) => {
  const paid = [requested, attempt(1), confirmed(1)];
  const notApplied: PaymentEvent = { type: 'PaymentNotApplied', data: { paymentId: PAYMENT, dossierCode: DOSSIER, reason: 'withdrawn' } };
  spec(decider)
    .given(paid)
    .when({ type: 'RecordNotApplied', data: { reason: 'withdrawn' } })
    .then(t, [notApplied]);
  spec(decider)
    .given([...paid, notApplied])
    .when({ type: 'RecordNotApplied', data: { reason: 'again' } })
    .then(t, []);
  spec(decider)
    .given([requested, attempt(1)])
    .when({ type: 'RecordNotApplied', data: { reason: 'unpaid' } })
    .then(t, []);
});
