import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { createWorkingCalendar } from '@lienthong/calendar';
import type { StaffRole } from '@lienthong/decider';
import { allowedActions, dossierDecider as decider, type DossierState } from './dossier-decider.js';
import { receiptDueAt, resumedClock } from './deadlines.js';
import type { ActionRequest, DossierCommand, ResumedClock } from './commands.js';
import type { DossierEvent, DossierSnapshot } from './events.js';
import { DossierActions, type Actor, type DossierAction } from './rules.js';
import { ALL_STATUSES, STATUS_CODES, type DossierStatus } from '@lienthong/dossier-contract';

const CODE = '000.00.12.H40-260309-0001';
const AGENCY = '000.00.12.H40';
const RECEIVED_AT = '2026-03-09T01:00:00.000Z'; // Monday 08:00 in Hanoi
const DUE = '2026-03-12T01:00:00.000Z';
const NOW = '2026-03-10T01:00:00.000Z';

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
    ...snap('new'),
    procedureCode: '1.004227',
    procedureVersion: 1,
    procedureName: 'Đăng ký khai sinh',
    processingDays: 3,
    channel: 'counter',
    receivedAt: RECEIVED_AT,
    legalDueAt: DUE,
    pinHash: 'ab'.repeat(32),
    applicant: { maskedName: 'N*** V*** A***' },
    applicantSealed: 'sealed',
    components: [],
  },
};
const accepted: DossierEvent = { type: 'DossierAccepted', data: { ...snap('accepted'), note: null } };
const assigned: DossierEvent = { type: 'DossierAssigned', data: { ...snap('processing'), officer: 'o1', department: null } };

/** Histories that reach each status (handwritten, not produced by the decider under test). */
const HISTORIES: Record<DossierStatus, DossierEvent[]> = {
  new: [received],
  accepted: [received, accepted],
  'not-accepted': [received, { type: 'DossierRejected', data: { ...snap('not-accepted'), reason: 'r' } }],
  processing: [received, accepted, assigned],
  'supplement-requested': [
    received,
    accepted,
    assigned,
    {
      type: 'DossierSupplementRequested',
      data: { ...snap('supplement-requested'), reason: 'r', items: [], pausedAt: '2026-03-09T03:00:00.000Z' },
    },
  ],
  'payment-requested': [
    received,
    accepted,
    assigned,
    { type: 'DossierPaymentRequested', data: { ...snap('payment-requested'), amount: 1, reason: null } },
  ],
  'withdrawal-requested': [
    received,
    accepted,
    assigned,
    { type: 'DossierWithdrawalRequested', data: { ...snap('withdrawal-requested'), reason: 'r' } },
  ],
  stopped: [received, accepted, assigned, { type: 'DossierStopped', data: { ...snap('stopped'), reason: 'r' } }],
  processed: [received, accepted, assigned, { type: 'DossierCompleted', data: { ...snap('processed'), note: null } }],
  'result-delivered': [
    received,
    accepted,
    assigned,
    { type: 'DossierCompleted', data: { ...snap('processed'), note: null } },
    { type: 'DossierResultDelivered', data: { ...snap('result-delivered'), note: null } },
  ],
};

type Allowed = Partial<Record<DossierStatus, { roles: StaffRole[]; to: DossierStatus; event: DossierEvent['type'] }>>;
const P = 'processing';
/** The expected workflow, written out independently of RULES: action → status → who, where to, which event. */
const EXPECTED: Record<DossierAction, Allowed> = {
  accept: { new: { roles: ['clerk'], to: 'accepted', event: 'DossierAccepted' } },
  reject: {
    new: { roles: ['clerk', 'leader'], to: 'not-accepted', event: 'DossierRejected' },
    accepted: { roles: ['leader'], to: 'not-accepted', event: 'DossierRejected' },
  },
  assign: {
    accepted: { roles: ['clerk', 'leader'], to: P, event: 'DossierAssigned' },
    processing: { roles: ['leader'], to: P, event: 'DossierAssigned' },
  },
  'request-supplement': {
    accepted: { roles: ['clerk', 'officer'], to: 'supplement-requested', event: 'DossierSupplementRequested' },
    processing: { roles: ['officer'], to: 'supplement-requested', event: 'DossierSupplementRequested' },
  },
  supplement: { 'supplement-requested': { roles: ['clerk'], to: P, event: 'DossierSupplemented' } },
  'request-payment': { processing: { roles: ['officer'], to: 'payment-requested', event: 'DossierPaymentRequested' } },
  'confirm-payment': { 'payment-requested': { roles: ['clerk', 'officer'], to: P, event: 'DossierPaymentConfirmed' } },
  'request-withdrawal': Object.fromEntries(
    (['new', 'accepted', P, 'supplement-requested', 'payment-requested'] as const).map((s) => [
      s,
      { roles: ['clerk'], to: 'withdrawal-requested', event: 'DossierWithdrawalRequested' },
    ]),
  ),
  stop: Object.fromEntries(
    (['accepted', P, 'supplement-requested', 'payment-requested', 'withdrawal-requested'] as const).map((s) => [
      s,
      { roles: ['leader'], to: 'stopped', event: 'DossierStopped' },
    ]),
  ),
  complete: { processing: { roles: ['leader'], to: 'processed', event: 'DossierCompleted' } },
  'deliver-result': { processed: { roles: ['clerk'], to: 'result-delivered', event: 'DossierResultDelivered' } },
  transfer: {
    accepted: { roles: ['officer', 'leader'], to: 'accepted', event: 'DossierTransferred' },
    processing: { roles: ['officer', 'leader'], to: 'accepted', event: 'DossierTransferred' },
  },
  apologize: Object.fromEntries(
    (['accepted', P, 'supplement-requested', 'payment-requested', 'withdrawal-requested'] as const).map((s) => [
      s,
      { roles: ['leader'], to: s, event: 'DossierApologized' },
    ]),
  ),
};

const BODIES: Record<DossierAction, ActionRequest> = {
  accept: { action: 'accept' },
  reject: { action: 'reject', reason: 'thiếu giấy tờ' },
  assign: { action: 'assign', officer: 'o2' },
  'request-supplement': { action: 'request-supplement', reason: 'thiếu', items: ['Bản sao'] },
  supplement: { action: 'supplement', components: [{ name: 'Bản sao' }] },
  'request-payment': { action: 'request-payment', amount: 50000 },
  'confirm-payment': { action: 'confirm-payment', note: 'đã nộp' },
  'request-withdrawal': { action: 'request-withdrawal', reason: 'không cần nữa' },
  stop: { action: 'stop', reason: 'rút hồ sơ' },
  complete: { action: 'complete' },
  'deliver-result': { action: 'deliver-result' },
  transfer: { action: 'transfer', toAgencyId: '000.00.13.H40' },
  apologize: { action: 'apologize', reason: 'quá hạn', newDueAt: '2026-03-20T01:00:00.000Z' },
};

const staff = (roles: StaffRole[], agencyId = AGENCY): Actor => ({ kind: 'staff', agencyId, roles });
/** The calendar's answers a supplement carries (what the handler would decide; see `deadlines`). */
const RESUMED: ResumedClock = { pausedWorkingMs: 8 * 3600_000, dueAt: '2026-03-13T01:00:00.000Z', legalDueAt: '2026-03-13T01:00:00.000Z' };
const perform = (action: DossierAction, actor: Actor, at = NOW): DossierCommand => ({
  type: 'PerformAction',
  data: { request: BODIES[action], actor, at, ...(action === 'supplement' ? { resumed: RESUMED } : {}) },
});
const ROLES: StaffRole[] = ['clerk', 'officer', 'leader'];

t.test('every action in every status, for every role', async (t) => {
  for (const status of ALL_STATUSES) {
    for (const action of DossierActions) {
      const allowed = EXPECTED[action][status];
      for (const role of ROLES) {
        const given = spec(decider).given(HISTORIES[status]);
        const s = given.when(perform(action, staff([role])));
        if (allowed && allowed.roles.includes(role)) {
          const events = decider.decide(perform(action, staff([role])), given.state);
          t.equal(events.length, 1, `${status} ${action} by ${role}: one event`);
          t.equal(events[0]!.type, allowed.event, `${status} ${action} by ${role} → ${allowed.event}`);
          t.equal(events[0]!.data.status, allowed.to, `${status} ${action} → ${allowed.to}`);
          t.equal(events[0]!.data.statusCode, STATUS_CODES[allowed.to]);
        } else if (allowed) {
          s.thenThrows(t, { kind: 'forbidden' }, `${status} ${action} by ${role}: wrong role → 403`);
        } else {
          s.thenThrows(
            t,
            { kind: 'not-allowed', facts: { dossierStatus: status, dossierStatusCode: STATUS_CODES[status] } },
            `${status} ${action} by ${role} → 409`,
          );
        }
      }
      // admins act in every role
      const given = spec(decider).given(HISTORIES[status]);
      const s = given.when(perform(action, { kind: 'admin' }));
      if (allowed)
        t.equal(decider.decide(perform(action, { kind: 'admin' }), given.state)[0]?.type, allowed.event, `${status} ${action} by admin`);
      else s.thenThrows(t, { kind: 'not-allowed' });
    }
    // allowedActions agrees with the table, for each role and for another agency
    const state = spec(decider).given(HISTORIES[status]).state;
    for (const role of ROLES) {
      const expected = DossierActions.filter((a) => EXPECTED[a][status]?.roles.includes(role));
      t.strictSame(allowedActions(state, staff([role])), expected, `allowedActions in ${status} for ${role}`);
    }
    t.strictSame(allowedActions(state, staff(ROLES, '000.00.99.H40')), [], `nothing for another agency in ${status}`);
  }
});

t.test('refusals name the status and the allowed actions', async (t) => {
  spec(decider)
    .given(HISTORIES.processing)
    .when(perform('accept', staff(['officer'])))
    .thenThrows(t, {
      kind: 'not-allowed',
      facts: { dossierStatus: 'processing', dossierStatusCode: 4, allowedActions: ['request-supplement', 'request-payment'] },
    });
  spec(decider)
    .given(HISTORIES.new)
    .when(perform('accept', staff(['clerk'], 'H99')))
    .thenThrows(t, { kind: 'not-found' }, 'another agency: not found');
  spec(decider)
    .given([])
    .when(perform('accept', staff(['clerk'])))
    .thenThrows(t, { kind: 'not-found' });
});

t.test('receipt: status 1 whatever the channel, due date from the command, receivedAt not in the future', async (t) => {
  const receive = (channel: 'counter' | 'online' | 'postal', receivedAt: string, actor: Actor = staff(['clerk'])): DossierCommand => ({
    type: 'ReceiveDossier',
    data: {
      dossierCode: CODE,
      agencyId: AGENCY,
      procedure: { code: '1.004227', version: 1, name: 'Đăng ký khai sinh', processingDays: 3 },
      channel,
      receivedAt,
      dueAt: DUE,
      pinHash: 'ab'.repeat(32),
      maskedName: 'N*** V*** A***',
      applicantSealed: 'sealed',
      components: [],
      actor,
      at: NOW,
    },
  });
  for (const channel of ['counter', 'online', 'postal'] as const) {
    const [e] = decider.decide(receive(channel, RECEIVED_AT), decider.initialState());
    t.match(e, {
      type: 'DossierReceived',
      data: { status: 'new', statusCode: 1, channel, receivedAt: RECEIVED_AT, dueAt: DUE, legalDueAt: DUE, overdue: false },
    });
  }
  t.equal(
    decider.decide(receive('counter', NOW), decider.initialState())[0]?.type,
    'DossierReceived',
    'received at the very moment of the decision',
  );
  // The due date is the command's (the handler asked the calendar), not one the decider computes.
  const given = receive('counter', RECEIVED_AT);
  const command = { ...given, data: { ...given.data, dueAt: '2026-04-01T01:00:00.000Z' } } as DossierCommand;
  spec(decider)
    .given([])
    .when(command)
    .then(
      t,
      [{ ...received, data: { ...received.data, dueAt: '2026-04-01T01:00:00.000Z', legalDueAt: '2026-04-01T01:00:00.000Z' } }],
      'dueAt and legalDueAt from the command',
    );
  spec(decider)
    .given([])
    .when(receive('counter', '2026-03-10T01:00:01.000Z'))
    .thenThrows(
      t,
      { kind: 'invalid', message: 'receivedAt is in the future', fields: [{ field: 'receivedAt', message: 'must not be in the future' }] },
      'a second after now: 400 naming receivedAt',
    );
  spec(decider)
    .given([])
    .when(receive('counter', RECEIVED_AT, staff(['officer'])))
    .thenThrows(t, { kind: 'forbidden', message: 'receiving a dossier needs role clerk' });
  spec(decider)
    .given([])
    .when(receive('counter', RECEIVED_AT, staff(['clerk'], 'H99')))
    .thenThrows(t, { kind: 'forbidden', message: `staff of H99 cannot receive dossiers for ${AGENCY}` }, 'a clerk of another agency: 403');
  spec(decider)
    .given([])
    .when(receive('counter', '2026-03-10T01:00:01.000Z', staff(['officer'], 'H99')))
    .thenThrows(t, { kind: 'invalid' }, 'the date is judged first, as over HTTP');
  t.equal(
    decider.decide(receive('counter', RECEIVED_AT, { kind: 'admin' }), decider.initialState())[0]?.data.agencyId,
    AGENCY,
    'admins receive for any agency',
  );
  spec(decider).given([received]).when(receive('counter', RECEIVED_AT)).thenThrows(t, { kind: 'duplicate' });
});

t.test('supplement resumes the clock: due dates and paused time from the command, status goes back', async (t) => {
  const at = '2026-03-10T03:00:00.000Z';
  const resumed: ResumedClock = { pausedWorkingMs: 1234, dueAt: '2026-03-16T01:00:00.000Z', legalDueAt: '2026-03-17T01:00:00.000Z' };
  const command: DossierCommand = { type: 'PerformAction', data: { request: BODIES.supplement, actor: staff(['clerk']), at, resumed } };
  spec(decider)
    .given(HISTORIES['supplement-requested'])
    .when(command)
    .then(t, [
      {
        type: 'DossierSupplemented',
        data: {
          ...snap('processing', { dueAt: resumed.dueAt }),
          components: [{ name: 'Bản sao' }],
          resumedAt: at,
          pausedWorkingMs: 1234,
          legalDueAt: resumed.legalDueAt,
        },
      },
    ]);
  spec(decider)
    .given(HISTORIES['supplement-requested'])
    .when({ type: 'PerformAction', data: { request: BODIES.supplement, actor: staff(['clerk']), at } })
    .thenThrows(t, /no calendar answers/, 'without the calendar answers: a programming error, not a guess');
  const fromAccepted = [
    received,
    accepted,
    {
      type: 'DossierSupplementRequested',
      data: { ...snap('supplement-requested'), reason: 'r', items: [], pausedAt: NOW },
    } as DossierEvent,
  ];
  t.equal(
    decider.decide(perform('supplement', staff(['clerk'])), spec(decider).given(fromAccepted).state)[0]?.data.status,
    'accepted',
    'back where it was paused',
  );
});

t.test("the calendar's answers, as the handler asks them", async (t) => {
  const calendar = createWorkingCalendar();
  t.equal(receiptDueAt(calendar, new Date(RECEIVED_AT), 3), DUE, 'Monday 08:00 + 3 working days → Thursday 08:00');
  // paused Monday 10:00, resumed Tuesday 10:00: 8 office hours → due Friday 08:00
  const paused = spec(decider).given(HISTORIES['supplement-requested']).state;
  t.strictSame(resumedClock(calendar, paused, new Date('2026-03-10T03:00:00.000Z')), RESUMED);
  t.equal(
    resumedClock(calendar, spec(decider).given(HISTORIES.processing).state, new Date(NOW)),
    undefined,
    'not paused: nothing to resume',
  );
});

t.test('apology: later due date only, clears the overdue flag, keeps the status', async (t) => {
  const overdue = [...HISTORIES.processing, { type: 'DossierBecameOverdue', data: snap('processing', { overdue: true }) } as DossierEvent];
  const lead = staff(['leader']);
  spec(decider)
    .given(overdue)
    .when({
      type: 'PerformAction',
      data: { request: { action: 'apologize', reason: 'r', newDueAt: '2026-03-11T01:00:00.000Z' }, actor: lead, at: NOW },
    })
    .thenThrows(t, { kind: 'unprocessable' }, 'earlier than the current due date');
  spec(decider)
    .given(overdue)
    .when({
      type: 'PerformAction',
      data: {
        request: { action: 'apologize', reason: 'r', newDueAt: '2026-03-20T01:00:00.000Z' },
        actor: lead,
        at: '2026-03-13T01:00:00.000Z',
      },
    })
    .then(t, [
      {
        type: 'DossierApologized',
        data: { ...snap('processing', { dueAt: '2026-03-20T01:00:00.000Z', overdue: false }), reason: 'r', previousDueAt: DUE },
      },
    ]);
});

t.test('transfer: to another agency only; the new agency holds it, the officer is cleared', async (t) => {
  const lead = staff(['leader']);
  spec(decider)
    .given(HISTORIES.processing)
    .when({ type: 'PerformAction', data: { request: { action: 'transfer', toAgencyId: AGENCY }, actor: lead, at: NOW } })
    .thenThrows(t, { kind: 'unprocessable' });
  const [e] = decider.decide(perform('transfer', lead), spec(decider).given(HISTORIES.processing).state);
  const after = decider.evolve(spec(decider).given(HISTORIES.processing).state, e!);
  t.match(after, { agencyId: '000.00.13.H40', status: 'accepted', officer: null });
  t.strictSame(allowedActions(after, lead), [], 'the old agency can do nothing more');
});

t.test('overdue: once per due date, never when paused, resolved or not yet due', async (t) => {
  const mark = (at: string): DossierCommand => ({ type: 'MarkOverdue', data: { at } });
  const late = '2026-03-12T01:00:01.000Z';
  spec(decider)
    .given(HISTORIES.processing)
    .when(mark(late))
    .then(t, [{ type: 'DossierBecameOverdue', data: snap('processing', { overdue: true }) }]);
  spec(decider).given(HISTORIES.processing).when(mark(DUE)).thenThrows(t, { kind: 'conflict' }, 'at the due instant it is not late yet');
  const flagged = [...HISTORIES.processing, { type: 'DossierBecameOverdue', data: snap('processing', { overdue: true }) } as DossierEvent];
  spec(decider).given(flagged).when(mark(late)).thenThrows(t, { kind: 'conflict' }, 'a second time is refused');
  spec(decider).given(HISTORIES['supplement-requested']).when(mark(late)).thenThrows(t, { kind: 'conflict' }, 'paused');
  for (const s of ['not-accepted', 'stopped', 'processed', 'result-delivered'] as const)
    spec(decider).given(HISTORIES[s]).when(mark(late)).thenThrows(t, { kind: 'conflict' }, s);
  // after an apology, the new due date can pass in its turn
  const apologized = [
    ...flagged,
    {
      type: 'DossierApologized',
      data: { ...snap('processing', { dueAt: '2026-03-20T01:00:00.000Z' }), reason: 'r', previousDueAt: DUE },
    } as DossierEvent,
  ];
  spec(decider).given(apologized).when(mark(late)).thenThrows(t, { kind: 'conflict' });
  t.equal(decider.decide(mark('2026-03-20T02:00:00.000Z'), spec(decider).given(apologized).state)[0]?.type, 'DossierBecameOverdue');
});

t.test('evolve keeps the overdue flag across a pause and the status before it', async (t) => {
  const state = spec(decider).given(HISTORIES['supplement-requested']).state as Extract<DossierState, { received: true }>;
  t.equal(state.statusBeforePause, 'processing');
  t.equal(state.pausedAt, '2026-03-09T03:00:00.000Z');
});

t.test('keyed requests (Idempotency-Key): a retry applies nothing', async (t) => {
  const receiveKeyed = (requestId: string): DossierCommand => ({
    type: 'ReceiveDossier',
    data: {
      dossierCode: CODE,
      agencyId: AGENCY,
      procedure: { code: '1.004227', version: 1, name: 'Đăng ký khai sinh', processingDays: 3 },
      channel: 'counter',
      receivedAt: RECEIVED_AT,
      dueAt: DUE,
      pinHash: 'ab'.repeat(32),
      maskedName: 'N*** V*** A***',
      applicantSealed: 'sealed',
      components: [],
      actor: staff(['clerk']),
      at: NOW,
      requestId,
    },
  });
  const keyedReceived: DossierEvent = { ...received, data: { ...received.data, requestId: 'r0' } };
  spec(decider).given([]).when(receiveKeyed('r0')).then(t, [keyedReceived], 'the receipt records its request');
  spec(decider).given([keyedReceived]).when(receiveKeyed('r0')).then(t, [], 'received again: nothing');
  spec(decider)
    .given([keyedReceived])
    .when(receiveKeyed('r9'))
    .thenThrows(t, { kind: 'duplicate' }, 'another request on the code: refused');
  spec(decider).given([received]).when(receiveKeyed('r0')).thenThrows(t, { kind: 'duplicate' });

  const assign = (requestId: string | undefined, actor: Actor = staff(['leader'])): DossierCommand => ({
    type: 'PerformAction',
    data: { request: { action: 'assign', officer: 'o1' }, actor, at: NOW, requestId },
  });
  const keyedAssigned = { ...assigned, data: { ...assigned.data, requestId: 'r1' } } as DossierEvent;
  spec(decider).given([received, accepted]).when(assign('r1')).then(t, [keyedAssigned], 'the event records its request');
  spec(decider).given([received, accepted, keyedAssigned]).when(assign('r1')).then(t, [], 'applied: nothing, not "assign not allowed"');
  spec(decider)
    .given([received, accepted, keyedAssigned])
    .when(assign('r2'))
    .then(t, [{ ...assigned, data: { ...assigned.data, requestId: 'r2' } }], 'another request applies');
  spec(decider).given([received, accepted, assigned]).when(assign(undefined)).then(t, [assigned], 'no key: as before');
  const transferred = {
    type: 'DossierTransferred',
    data: { ...snap('processing', { agencyId: 'H99' }), fromAgencyId: AGENCY, reason: null, requestId: 'r3' },
  } as DossierEvent;
  spec(decider)
    .given([received, accepted, assigned, transferred])
    .when({
      type: 'PerformAction',
      data: { request: { action: 'transfer', toAgencyId: 'H99' }, actor: staff(['leader']), at: NOW, requestId: 'r3' },
    })
    .then(t, [], 'a transfer retried by the agency that no longer sees the dossier: nothing (not 404)');
});
