import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { organIdDecider } from './deciders.js';
import type { OrganIdEvent } from './events.js';

const reservedBy = (organId: string): OrganIdEvent => ({ type: 'OrganIdReserved', data: { id: 'X', organId } });
const AT = '2026-11-30T08:00:00.000Z';
const secondsBefore = (s: number) => new Date(Date.parse(AT) - s * 1000).toISOString();
/** B (or A) claims X, having looked at `checkedHolder` (claimed `claimAge` seconds ago; its agency existing or not). */
const reserve = (organId: string, checkedHolder: string | null, { claimAge = 5, agency = false } = {}) =>
  ({
    type: 'ReserveOrganId',
    data: {
      id: 'X',
      organId,
      checkedHolder,
      checkedClaimAt: checkedHolder === null ? null : secondsBefore(claimAge),
      holderAgencyExists: agency,
      at: AT,
    },
  }) as const;

t.test('identifier claims: free, held, in progress, stale, and a holder the caller did not check', async (t) => {
  spec(organIdDecider)
    .given([])
    .when(reserve('A', null))
    .then(t, [reservedBy('A')]);
  spec(organIdDecider)
    .given([reservedBy('A')])
    .when(reserve('A', 'A'))
    .then(t, []);
  spec(organIdDecider)
    .given([reservedBy('A')])
    .when(reserve('B', 'A', { agency: true, claimAge: 3600 }))
    .thenThrows(t, { kind: 'duplicate' });
  // A's agency not there yet: a registration in progress for a minute, then a crashed one
  spec(organIdDecider)
    .given([reservedBy('A')])
    .when(reserve('B', 'A', { claimAge: 59 }))
    .thenThrows(t, { kind: 'duplicate' });
  spec(organIdDecider)
    .given([reservedBy('A')])
    .when(reserve('B', 'A', { claimAge: 61 }))
    .then(t, [reservedBy('B')]);
  // the caller looked before A's claim landed: no decision on a holder it did not look at
  spec(organIdDecider)
    .given([reservedBy('A')])
    .when(reserve('B', null))
    .thenThrows(t, { kind: 'concurrent-update' });
  spec(organIdDecider)
    .given([reservedBy('A'), { type: 'OrganIdReleased', data: { id: 'X', organId: 'A' } }])
    .when(reserve('B', null))
    .then(t, [reservedBy('B')]);
});
