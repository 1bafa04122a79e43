import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { heldAt, leaseDecider, type LeaseEvent } from './lease-decider.js';

const now = '2027-01-01T00:00:00.000Z';
const taken = (holder: string, until: string): LeaseEvent => ({ type: 'LeaseTaken', data: { holder, until } });
const take = (holder: string, at = now, leaseMs = 10_000) => ({ type: 'TakeLease' as const, data: { holder, now: at, leaseMs } });

t.test('taking a free lease', async (t) => {
  spec(leaseDecider)
    .given([])
    .when(take('a'))
    .then(t, [taken('a', '2027-01-01T00:00:10.000Z')], 'no lease yet: taken for leaseMs');
  spec(leaseDecider)
    .given([taken('b', '2027-01-01T00:00:05.000Z'), { type: 'LeaseReleased', data: { holder: 'b' } }])
    .when(take('a'))
    .then(t, [taken('a', '2027-01-01T00:00:10.000Z')], 'released: anyone takes it at once');
});

t.test('held by another', async (t) => {
  spec(leaseDecider)
    .given([taken('b', '2027-01-01T00:00:05.000Z')])
    .when(take('a'))
    .thenThrows(t, { kind: 'conflict', facts: { holder: 'b', until: '2027-01-01T00:00:05.000Z' } }, 'not run out: refused');
  spec(leaseDecider)
    .given([taken('b', now)])
    .when(take('a'))
    .then(t, [taken('a', '2027-01-01T00:00:10.000Z')], 'run out at `until` exactly: taken over');
  spec(leaseDecider)
    .given([taken('b', '2026-12-31T23:59:59.000Z')])
    .when(take('a'))
    .then(t, [taken('a', '2027-01-01T00:00:10.000Z')], 'run out: taken over');
});

t.test('renewal by the holder', async (t) => {
  spec(leaseDecider)
    .given([taken('a', '2027-01-01T00:00:05.000Z')])
    .when(take('a', now, 3_000))
    .then(t, [taken('a', '2027-01-01T00:00:03.000Z')], 'the holder renews from now');
  spec(leaseDecider)
    .given([])
    .when(take('a', now, 0))
    .thenThrows(t, { kind: 'invalid' }, 'a lease of no time is refused');
});

t.test('release', async (t) => {
  spec(leaseDecider)
    .given([taken('a', '2027-01-01T00:00:05.000Z')])
    .when({ type: 'ReleaseLease', data: { holder: 'a' } })
    .then(t, [{ type: 'LeaseReleased', data: { holder: 'a' } }], 'the holder gives it back');
  spec(leaseDecider)
    .given([taken('b', '2027-01-01T00:00:05.000Z')])
    .when({ type: 'ReleaseLease', data: { holder: 'a' } })
    .then(t, [], 'one that lost it releases nothing');
  spec(leaseDecider)
    .given([])
    .when({ type: 'ReleaseLease', data: { holder: 'a' } })
    .then(t, [], 'nothing to release');
});

t.test('heldAt', async (t) => {
  t.ok(heldAt({ holder: 'a', until: '2027-01-01T00:00:01.000Z' }, now));
  t.notOk(heldAt({ holder: 'a', until: now }, now));
  t.notOk(heldAt({ holder: null }, now));
});
