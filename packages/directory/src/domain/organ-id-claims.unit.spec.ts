import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { organIdDecider } from './deciders.js';
import type { OrganIdEvent } from './events.js';

const reservedBy = (organId: string): OrganIdEvent => ({ type: 'OrganIdReserved', data: { id: 'X', organId } });
const reserve = (organId: string, checkedHolder: string | null, holderActive: boolean) =>
  ({ type: 'ReserveOrganId', data: { id: 'X', organId, checkedHolder, holderActive } }) as const;

t.test('identifier claims: free, held, stale, and a holder the caller did not check', async (t) => {
  spec(organIdDecider).given([]).when(reserve('A', null, false)).then(t, [reservedBy('A')]);
  spec(organIdDecider).given([reservedBy('A')]).when(reserve('A', 'A', true)).then(t, []);
  spec(organIdDecider).given([reservedBy('A')]).when(reserve('B', 'A', true)).thenThrows(t, { code: 'LT_DUPLICATE' });
  spec(organIdDecider).given([reservedBy('A')]).when(reserve('B', 'A', false)).then(t, [reservedBy('B')]);
  // the caller looked before A's claim landed: no decision on a holder it did not look at
  spec(organIdDecider).given([reservedBy('A')]).when(reserve('B', null, false)).thenThrows(t, { code: 'LT_CONCURRENT_UPDATE' });
  spec(organIdDecider).given([reservedBy('A'), { type: 'OrganIdReleased', data: { id: 'X', organId: 'A' } }]).when(reserve('B', null, false)).then(t, [reservedBy('B')]);
});
