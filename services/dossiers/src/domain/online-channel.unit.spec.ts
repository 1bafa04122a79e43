import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { createWorkingCalendar } from '@lienthong/calendar';
import { dossierDecider as decider, type ReceivedDossier } from './dossier-decider.js';
import { startedClock } from './deadlines.js';
import type { CitizenRequest, DossierCommand, ResumedClock } from './commands.js';
import type { DossierEvent, DossierSnapshot } from './events.js';
import { STATUS_CODES, type DossierStatus } from '@lienthong/dossier-contract';

const CODE = '000.00.12.H40-260309-0002';
const AGENCY = '000.00.12.H40';
const RECEIVED_AT = '2026-03-09T01:00:00.000Z'; // Monday 08:00 in Hanoi
const PROVISIONAL = '2026-03-12T01:00:00.000Z';
const ACCEPTED_AT = '2026-03-11T01:00:00.000Z'; // Wednesday
const DUE = '2026-03-16T01:00:00.000Z'; // 3 working days after acceptance
const clerk = { kind: 'staff', agencyId: AGENCY, roles: ['clerk'] } as const;
const file = { sha256: 'a'.repeat(64), name: 'giay-chung-sinh.pdf', mediaType: 'application/pdf', size: 1234 };

const snap = (status: DossierStatus, more: Partial<DossierSnapshot> = {}): DossierSnapshot => ({
  dossierCode: CODE,
  agencyId: AGENCY,
  status,
  statusCode: STATUS_CODES[status],
  dueAt: DUE,
  overdue: false,
  ...more,
});
const received: DossierEvent = {
  type: 'DossierReceived',
  data: {
    ...snap('new', { dueAt: PROVISIONAL }),
    procedureCode: '1.001193',
    procedureVersion: 1,
    procedureName: 'Đăng ký khai sinh',
    processingDays: 3,
    channel: 'online',
    receivedAt: RECEIVED_AT,
    legalDueAt: PROVISIONAL,
    pinHash: 'ab'.repeat(32),
    applicant: { maskedName: 'N*** V*** A***' },
    applicantSealed: 'sealed',
    components: [{ name: 'Giấy chứng sinh', files: [file] }],
  },
};
const accepted: DossierEvent = { type: 'DossierAccepted', data: { ...snap('accepted'), note: null, legalDueAt: DUE } };
const assigned: DossierEvent = { type: 'DossierAssigned', data: { ...snap('processing'), officer: 'o1', department: null } };
const paymentRequested: DossierEvent = {
  type: 'DossierPaymentRequested',
  data: { ...snap('payment-requested'), amount: 8000, reason: 'Lệ phí' },
};
const supplementRequested: DossierEvent = {
  type: 'DossierSupplementRequested',
  data: { ...snap('supplement-requested'), reason: 'Ảnh mờ', items: ['Giấy chứng sinh'], pausedAt: '2026-03-12T01:00:00.000Z' },
};
const citizen = (request: CitizenRequest, more: { resumed?: ResumedClock; requestId?: string } = {}): DossierCommand => ({
  type: 'CitizenAct',
  data: { request, at: '2026-03-13T01:00:00.000Z', ...more },
});

t.test('an online dossier: its legal clock starts when the clerk accepts it', async (t) => {
  const started = { dueAt: DUE, legalDueAt: DUE };
  spec(decider)
    .given([received])
    .when({ type: 'PerformAction', data: { request: { action: 'accept' }, actor: clerk, at: ACCEPTED_AT, started } })
    .then(t, [accepted]);
  spec(decider)
    .given([received])
    .when({ type: 'PerformAction', data: { request: { action: 'accept' }, actor: clerk, at: ACCEPTED_AT } })
    .thenThrows(t, /no calendar answers/, 'the handler must give the started clock');
  const state = spec(decider).given([received, accepted]).state as ReceivedDossier;
  t.equal(state.dueAt, DUE);
  t.equal(state.legalDueAt, DUE, 'the legal due date counts from acceptance too');
  spec(decider)
    .given([received])
    .when({ type: 'MarkOverdue', data: { at: '2026-04-01T01:00:00.000Z' } })
    .thenThrows(t, { kind: 'conflict', message: /starts when it is accepted/ }, 'not overdue before acceptance');
  const calendar = createWorkingCalendar();
  t.same(startedClock(calendar, spec(decider).given([received]).state, new Date(ACCEPTED_AT)), started, 'three working days after');
  t.equal(startedClock(calendar, spec(decider).given([received, accepted]).state, new Date(ACCEPTED_AT)), undefined, 'once only');
});

t.test('deliver-result carries the result files; the state keeps them', async (t) => {
  const completed: DossierEvent = { type: 'DossierCompleted', data: { ...snap('processed'), note: null } };
  const given = spec(decider).given([received, accepted, assigned, completed]);
  const delivered: DossierEvent = { type: 'DossierResultDelivered', data: { ...snap('result-delivered'), note: null, files: [file] } };
  given
    .when({ type: 'PerformAction', data: { request: { action: 'deliver-result', files: [file] }, actor: clerk, at: DUE } })
    .then(t, [delivered]);
  t.same((spec(decider).given([received, accepted, assigned, completed, delivered]).state as ReceivedDossier).resultFiles, [file]);
});

t.test('citizen withdraw: from the open statuses, refused once resolved', async (t) => {
  spec(decider)
    .given([received])
    .when(citizen({ action: 'withdraw', reason: 'Nộp nhầm' }))
    .then(t, [
      {
        type: 'DossierWithdrawalRequested',
        data: { ...snap('withdrawal-requested', { dueAt: PROVISIONAL }), reason: 'Nộp nhầm', by: 'citizen' },
      },
    ]);
  const completed: DossierEvent = { type: 'DossierCompleted', data: { ...snap('processed'), note: null } };
  spec(decider)
    .given([received, accepted, assigned, completed])
    .when(citizen({ action: 'withdraw', reason: 'x' }))
    .thenThrows(t, { kind: 'not-allowed', facts: { dossierStatus: 'processed', allowedActions: [] } });
});

t.test('citizen supplement: only in status 5, resumes the clock, adds the files', async (t) => {
  const resumed = { pausedWorkingMs: 8 * 3600_000, dueAt: '2026-03-17T01:00:00.000Z', legalDueAt: '2026-03-17T01:00:00.000Z' };
  const components = [{ name: 'Giấy chứng sinh', files: [{ ...file, sha256: 'b'.repeat(64) }] }];
  spec(decider)
    .given([received, accepted, assigned, supplementRequested])
    .when(citizen({ action: 'supplement', components }, { resumed }))
    .then(t, [
      {
        type: 'DossierSupplemented',
        data: {
          ...snap('processing', { dueAt: resumed.dueAt }),
          components,
          resumedAt: '2026-03-13T01:00:00.000Z',
          pausedWorkingMs: resumed.pausedWorkingMs,
          legalDueAt: resumed.legalDueAt,
          by: 'citizen',
        },
      },
    ]);
  const paused = spec(decider).given([received, accepted, assigned, supplementRequested]).state as ReceivedDossier;
  t.same(paused.supplementRequest, { reason: 'Ảnh mờ', items: ['Giấy chứng sinh'] }, 'the request is shown to the citizen');
  for (const history of [[received], [received, accepted, assigned]])
    spec(decider)
      .given(history)
      .when(citizen({ action: 'supplement', components }, { resumed }))
      .thenThrows(t, { kind: 'not-allowed' }, 'outside status 5');
});

t.test('payment confirmed by the provider: the amount requested, once', async (t) => {
  const given = [received, accepted, assigned, paymentRequested];
  t.equal((spec(decider).given(given).state as ReceivedDossier).paymentDue, 8000);
  const confirmed: DossierEvent = {
    type: 'DossierPaymentConfirmed',
    data: { ...snap('processing'), note: null, paymentId: 'p1', amount: 8000, requestId: 'pay-p1' },
  };
  spec(decider)
    .given(given)
    .when(citizen({ action: 'confirm-payment', paymentId: 'p1', amount: 8000 }, { requestId: 'pay-p1' }))
    .then(t, [confirmed]);
  spec(decider)
    .given(given)
    .when(citizen({ action: 'confirm-payment', paymentId: 'p1', amount: 800 }))
    .thenThrows(t, { kind: 'unprocessable', facts: { amountDue: 8000 } }, 'another amount');
  spec(decider)
    .given([...given, confirmed])
    .when(citizen({ action: 'confirm-payment', paymentId: 'p1', amount: 8000 }, { requestId: 'pay-p1' }))
    .then(t, [], 'a replayed confirmation applies nothing');
  spec(decider)
    .given([...given, confirmed])
    .when(citizen({ action: 'confirm-payment', paymentId: 'p2', amount: 8000 }, { requestId: 'pay-p2' }))
    .thenThrows(t, { kind: 'not-allowed' }, 'nothing is due any more');
  t.equal((spec(decider).given([...given, confirmed]).state as ReceivedDossier).paymentDue, null);
});

t.test('unknown dossier', async (t) => {
  spec(decider)
    .given([])
    .when(citizen({ action: 'withdraw', reason: 'x' }))
    .thenThrows(t, { kind: 'not-found' });
});
