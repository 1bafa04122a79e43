import t from 'tap';
import { clockAt, duePassed, isOverdue, type DossierClock } from './overdue.js';

const DUE = '2026-03-12T01:00:00.000Z';
const at = (iso: string) => new Date(iso);
const running = (over: Partial<DossierClock> = {}): DossierClock => ({
  status: 'processing',
  dueAt: DUE,
  overdue: false,
  pausedAt: null,
  ...over,
});

t.test('overdue at the boundary: exactly at dueAt is on time, a millisecond later is overdue', async (t) => {
  t.equal(isOverdue(running(), at('2026-03-12T00:59:59.999Z')), false, 'before');
  t.equal(isOverdue(running(), at(DUE)), false, 'exactly at dueAt');
  t.equal(isOverdue(running(), at('2026-03-12T01:00:00.001Z')), true, 'just after');
  t.equal(duePassed(running(), at(DUE)), false);
});

t.test('the scheduler flag counts while running, whatever the clock says', async (t) => {
  t.equal(isOverdue(running({ overdue: true }), at('2026-03-01T00:00:00Z')), true);
});

t.test('a paused dossier reads its clock at the pause instant', async (t) => {
  const later = at('2026-04-01T00:00:00Z');
  t.equal(clockAt(running({ pausedAt: '2026-03-10T00:00:00.000Z' }), later), Date.parse('2026-03-10T00:00:00.000Z'));
  t.equal(
    isOverdue(running({ status: 'supplement-requested', pausedAt: '2026-03-10T00:00:00.000Z' }), later),
    false,
    'paused before dueAt: not overdue, however late now',
  );
  t.equal(isOverdue(running({ status: 'supplement-requested', pausedAt: DUE }), later), false, 'paused exactly at dueAt');
  t.equal(isOverdue(running({ status: 'supplement-requested', pausedAt: '2026-03-13T00:00:00.000Z' }), later), true, 'paused after dueAt');
});

t.test('a finished dossier is never overdue, flagged or not', async (t) => {
  const late = at('2026-04-01T00:00:00Z');
  for (const status of ['not-accepted', 'stopped', 'processed', 'result-delivered'] as const) {
    t.equal(isOverdue(running({ status }), late), false, `${status}, past due`);
    t.equal(isOverdue(running({ status, overdue: true }), late), false, `${status}, flagged`);
  }
});
