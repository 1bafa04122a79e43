import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { staffDecider, systemDecider } from './deciders.js';
import type { StaffEvent, SystemEvent } from './events.js';

const registered: SystemEvent = {
  type: 'SystemRegistered',
  data: { systemId: 's1', name: 'QLVB', vendor: 'VNPT', organIds: ['H40'], requireValidSignature: false, tokenHash: 'h0' },
};
const staff: StaffEvent = {
  type: 'StaffRegistered',
  data: { staffId: 'p1', agencyId: 'H40', name: 'An', roles: ['clerk'], tokenHash: 'h0' },
};

t.test('system credentials: rotate, revoke, and what is refused', async (t) => {
  spec(systemDecider)
    .given([registered])
    .when({ type: 'RotateToken', data: { tokenHash: 'h1' } })
    .then(t, [{ type: 'SystemTokenRotated', data: { systemId: 's1', tokenHash: 'h1' } }]);
  spec(systemDecider)
    .given([])
    .when({ type: 'RotateToken', data: { tokenHash: 'h1' } })
    .thenThrows(t, { kind: 'not-found' });
  spec(systemDecider)
    .given([registered])
    .when({ type: 'Revoke', data: { reason: 'token leaked' } })
    .then(t, [{ type: 'SystemRevoked', data: { systemId: 's1', reason: 'token leaked' } }]);
  const revoked: SystemEvent = { type: 'SystemRevoked', data: { systemId: 's1', reason: null } };
  spec(systemDecider)
    .given([registered, revoked])
    .when({ type: 'Revoke', data: { reason: null } })
    .then(t, []);
  spec(systemDecider)
    .given([registered, revoked])
    .when({ type: 'RotateToken', data: { tokenHash: 'h2' } })
    .thenThrows(t, { kind: 'conflict' });
  spec(systemDecider)
    .given([])
    .when({ type: 'Revoke', data: { reason: null } })
    .thenThrows(t, { kind: 'not-found' });
});

t.test('staff credentials: the same rules', async (t) => {
  spec(staffDecider)
    .given([staff])
    .when({ type: 'RotateToken', data: { tokenHash: 'h1' } })
    .then(t, [{ type: 'StaffTokenRotated', data: { staffId: 'p1', tokenHash: 'h1' } }]);
  const revoked: StaffEvent = { type: 'StaffRevoked', data: { staffId: 'p1', reason: 'left the agency' } };
  spec(staffDecider)
    .given([staff])
    .when({ type: 'Revoke', data: { reason: 'left the agency' } })
    .then(t, [revoked]);
  spec(staffDecider)
    .given([staff, revoked])
    .when({ type: 'Revoke', data: { reason: null } })
    .then(t, []);
  spec(staffDecider)
    .given([staff, revoked])
    .when({ type: 'RotateToken', data: { tokenHash: 'h2' } })
    .thenThrows(t, { kind: 'conflict' });
  spec(staffDecider)
    .given([staff])
    .when({ type: 'RegisterStaff', data: { staffId: 'p1', agencyId: 'H40', name: 'An', roles: ['clerk'], tokenHash: 'h3' } })
    .thenThrows(t, { kind: 'duplicate' });
});
