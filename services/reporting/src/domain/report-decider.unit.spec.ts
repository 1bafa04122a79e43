import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import type { IndicatorRecord, ReportEvent } from './events.js';
import { reportDecider, type ReportActor, type ReportCommand } from './report-decider.js';

const key = { regime: 'KTXH', period: '2027-01', agencyId: 'X01' };
const at = '2027-01-10T03:00:00.000Z';
const late = '2027-01-17T03:00:00.000Z';
const ind = (kind: IndicatorRecord['kind'], aggregation: IndicatorRecord['aggregation'] = 'sum'): IndicatorRecord => ({
  name: kind,
  unit: 'người',
  kind,
  aggregation,
  numerator: null,
  denominator: null,
  decimals: null,
});
const indicators: Record<string, IndicatorRecord> = {
  pop: ind('integer'),
  area: ind('number'),
  poor: ind('percent', 'avg'),
  note: ind('text', 'none'),
  share: { ...ind('percent', 'ratio'), numerator: 'pop', denominator: 'area' },
  'dossiers.received': ind('integer'),
};

const actors: Record<string, ReportActor> = {
  'self clerk': { kind: 'staff', id: 's1', relation: 'self', roles: ['clerk'] },
  'self leader': { kind: 'staff', id: 's2', relation: 'self', roles: ['leader'] },
  'parent clerk': { kind: 'staff', id: 'p1', relation: 'parent', roles: ['officer'] },
  'parent leader': { kind: 'staff', id: 'p2', relation: 'parent', roles: ['leader'] },
  'other leader': { kind: 'staff', id: 'o1', relation: 'other', roles: ['leader'] },
  'admin for the top': { kind: 'admin', id: 'admin', relation: 'parent', roles: [] },
  'admin elsewhere': { kind: 'admin', id: 'admin', relation: 'other', roles: [] },
};
const base = (actor: ReportActor) => ({ ...key, actor, at, periodState: 'open' as const });
const commandOf = (action: string, actor: ReportActor): ReportCommand => {
  switch (action) {
    case 'draft':
      return { type: 'DraftValues', data: { ...base(actor), values: { pop: 7 }, indicators } };
    case 'submit':
      return { type: 'Submit', data: { ...base(actor), submitBy: '2027-01-16', required: ['pop'], derived: [] } };
    case 'accept':
      return { type: 'Accept', data: base(actor) };
    case 'return':
      return { type: 'Return', data: { ...base(actor), reason: 'thiếu số liệu' } };
    default:
      return { type: 'Reopen', data: { ...base(actor), reason: 'đính chính' } };
  }
};
const drafted = (values: Record<string, number | string | null> = { pop: 5 }, by = 's1'): ReportEvent => ({
  type: 'ValuesDrafted',
  data: { ...key, values, by, at },
});
const submitted: ReportEvent = { type: 'ReportSubmitted', data: { ...key, by: 's2', at, onTime: true } };
const accepted: ReportEvent = { type: 'ReportAccepted', data: { ...key, by: 'p2', at } };
const returned: ReportEvent = { type: 'ReportReturned', data: { ...key, by: 'p2', at, reason: 'x' } };
const states: Record<string, ReportEvent[]> = {
  'not-started': [],
  draft: [drafted()],
  submitted: [drafted(), submitted],
  returned: [drafted(), submitted, returned],
  accepted: [drafted(), submitted, accepted],
};

/** The workflow as written in SPEC §9 and the issue: state → actions it allows. Written out, not derived from the decider. */
const TABLE: Record<string, string[]> = {
  'not-started': ['draft', 'submit'],
  draft: ['draft', 'submit'],
  submitted: ['accept', 'return'],
  returned: ['draft', 'submit'],
  accepted: ['reopen'],
};
/** Who may take each action. */
const WHO: Record<string, string[]> = {
  draft: ['self clerk', 'self leader'],
  submit: ['self leader'],
  accept: ['parent leader', 'admin for the top'],
  return: ['parent leader', 'admin for the top'],
  reopen: ['parent leader', 'admin for the top'],
};
const RESULT: Record<string, string> = {
  draft: 'ValuesDrafted',
  submit: 'ReportSubmitted',
  accept: 'ReportAccepted',
  return: 'ReportReturned',
  reopen: 'ReportReopened',
};

t.test('every action in every state by every role', async (t) => {
  for (const [stateName, history] of Object.entries(states))
    for (const action of ['draft', 'submit', 'accept', 'return', 'reopen'])
      for (const [who, actor] of Object.entries(actors)) {
        const given = spec(reportDecider).given(history);
        const when = given.when(commandOf(action, actor));
        const label = `${action} of a ${stateName} report by ${who}`;
        if (!WHO[action]!.includes(who)) when.thenThrows(t, { kind: 'forbidden' }, `${label} → 403`);
        else if (!TABLE[stateName]!.includes(action))
          when.thenThrows(t, { kind: 'not-allowed', facts: { reportState: stateName } }, `${label} → 409`);
        else if (action === 'submit' && stateName === 'not-started')
          when.thenThrows(t, { kind: 'invalid', facts: { missing: ['pop'] } }, `${label} → 400 missing`);
        else {
          const events = reportDecider.decide(commandOf(action, actor), given.state);
          t.strictSame(
            events.map((e) => e.type),
            [RESULT[action]],
            `${label} → ${RESULT[action]}`,
          );
        }
      }
});

t.test('values: kinds, unknown indicators, computed ones', async (t) => {
  const draft = (values: Record<string, unknown>) =>
    ({ type: 'DraftValues', data: { ...base(actors['self clerk']!), values, indicators } }) as ReportCommand;
  spec(reportDecider)
    .given([])
    .when(draft({ pop: 12, area: 3.5, poor: 4.2, note: 'ổn định' }))
    .then(t, [drafted({ pop: 12, area: 3.5, poor: 4.2, note: 'ổn định' })]);
  spec(reportDecider)
    .given([])
    .when(draft({ pop: 'mười hai' }))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'values/pop', message: /integer/ }] }, 'text for a number');
  spec(reportDecider)
    .given([])
    .when(draft({ pop: 1.5 }))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'values/pop' }] }, 'a fraction for an integer');
  spec(reportDecider)
    .given([])
    .when(draft({ poor: 101 }))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'values/poor', message: /between 0 and 100/ }] }, 'percent over 100');
  spec(reportDecider)
    .given([])
    .when(draft({ note: 5 }))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'values/note' }] }, 'a number for text');
  spec(reportDecider)
    .given([])
    .when(draft({ nope: 1, pop: 2 }))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'values/nope', message: /unknown indicator/ }] }, 'unknown indicator');
  spec(reportDecider)
    .given([])
    .when(draft({ 'dossiers.received': 3 }))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'values/dossiers.received', message: /hub/ }] });
  spec(reportDecider)
    .given([])
    .when(draft({ share: 3 }))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'values/share', message: /ratio/ }] });
  const state = spec(reportDecider).given([drafted({ pop: 5, area: 2 }), drafted({ area: null })]).state;
  t.strictSame(state.values, { pop: 5 }, 'null removes a value; drafts merge');
});

t.test('the period must be open to draft or submit', async (t) => {
  for (const periodState of ['not-open', 'closed'] as const) {
    spec(reportDecider)
      .given([])
      .when({ type: 'DraftValues', data: { ...base(actors['self clerk']!), periodState, values: { pop: 1 }, indicators } })
      .thenThrows(t, { kind: 'not-allowed', facts: { periodState } }, `draft in a ${periodState} period`);
    spec(reportDecider)
      .given([drafted()])
      .when({ type: 'Submit', data: { ...base(actors['self leader']!), periodState, submitBy: '2027-01-16', required: [], derived: [] } })
      .thenThrows(t, { kind: 'not-allowed', facts: { periodState } }, `submit in a ${periodState} period`);
  }
});

t.test('submit: required values, derived ones, on time or late', async (t) => {
  const submit = (required: string[], derived: string[], when = at) =>
    ({ type: 'Submit', data: { ...base(actors['self leader']!), at: when, submitBy: '2027-01-16', required, derived } }) as ReportCommand;
  spec(reportDecider)
    .given([drafted()])
    .when(submit(['pop', 'area', 'note'], []))
    .thenThrows(t, { kind: 'invalid', facts: { missing: ['area', 'note'] } }, 'names every missing indicator');
  spec(reportDecider)
    .given([drafted()])
    .when(submit(['pop', 'area'], ['area']))
    .then(t, [submitted], "children's accepted reports give the rest");
  spec(reportDecider)
    .given([drafted()])
    .when(submit(['pop'], [], late))
    .then(t, [{ type: 'ReportSubmitted', data: { ...key, by: 's2', at: late, onTime: false } }], 'after the due day → late');
  const resubmitted = spec(reportDecider).given([
    drafted(),
    submitted,
    returned,
    { ...submitted, data: { ...submitted.data, at: late, onTime: false } },
  ]).state;
  t.equal(resubmitted.submittedAt, at, 'the first submission counts for timeliness');
  t.equal(resubmitted.onTime, true);
});

t.test('overdue once, only when nothing was submitted by the due day', async (t) => {
  const mark = (when: string) => ({ type: 'MarkOverdue', data: { ...key, submitBy: '2027-01-16', at: when } }) as ReportCommand;
  const overdue: ReportEvent = { type: 'ReportBecameOverdue', data: { ...key, submitBy: '2027-01-16', at: late } };
  spec(reportDecider).given([]).when(mark(late)).then(t, [overdue], 'not started → overdue');
  spec(reportDecider).given([drafted()]).when(mark(late)).then(t, [overdue], 'draft → overdue');
  spec(reportDecider).given([drafted(), overdue]).when(mark(late)).thenThrows(t, { kind: 'conflict' }, 'never twice');
  spec(reportDecider).given([drafted(), submitted]).when(mark(late)).thenThrows(t, { kind: 'conflict' }, 'submitted → not overdue');
  spec(reportDecider)
    .given([drafted()])
    .when(mark('2027-01-16T16:00:00.000Z'))
    .thenThrows(t, { kind: 'conflict' }, '23:00 of the due day in Hanoi is not late yet');
  t.equal(spec(reportDecider).given([drafted(), overdue]).state.overdue, true);
});

t.test('reopen after acceptance keeps the report known as accepted once', async (t) => {
  const reopened: ReportEvent = { type: 'ReportReopened', data: { ...key, by: 'p2', at, reason: 'đính chính' } };
  const state = spec(reportDecider).given([drafted(), submitted, accepted, reopened]).state;
  t.equal(state.state, 'returned');
  t.equal(state.everAccepted, true);
  spec(reportDecider)
    .given([drafted(), submitted, accepted, reopened])
    .when(commandOf('draft', actors['self clerk']!))
    .then(t, [drafted({ pop: 7 })], 'editable again');
});
