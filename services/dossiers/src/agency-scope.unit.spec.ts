import t from 'tap';
import { AppError } from '@lienthong/service-kit';
import { scopedAgency } from './agency-scope.js';

// A directory where the agency 000.00.12.H40 is also known as H40.12.
const ids: Record<string, string> = { '000.00.12.H40': '000.00.12.H40', 'H40.12': '000.00.12.H40', '000.00.13.H40': '000.00.13.H40' };
const directory = { resolveOrganId: (id: string) => ids[id] ?? null };
const staff = { kind: 'staff', agencyId: 'H40.12' } as const;

t.test('staff see their own agency, named by any of its ids; no agency asked means their own', async (t) => {
  t.equal(scopedAgency(directory, staff, undefined, 'queue'), '000.00.12.H40');
  t.equal(scopedAgency(directory, staff, '000.00.12.H40', 'queue'), '000.00.12.H40');
  t.equal(scopedAgency(directory, staff, 'H40.12', 'payments'), '000.00.12.H40');
});

t.test('staff asking for another agency are refused with 403, naming what they asked for', async (t) => {
  const error = t.throws(() => scopedAgency(directory, staff, '000.00.13.H40', 'payments')) as AppError;
  t.ok(error instanceof AppError);
  t.equal(error.code, 'LT_FORBIDDEN');
  t.match(error.message, /staff of 000\.00\.12\.H40 cannot see the payments of 000\.00\.13\.H40/);
  t.throws(() => scopedAgency(directory, staff, 'unknown-agency', 'reports'), { code: 'LT_FORBIDDEN' });
});

t.test('admins see the agency asked for (resolved), or all when none is asked for', async (t) => {
  const admin = { kind: 'admin' } as const;
  t.equal(scopedAgency(directory, admin, undefined, 'queue'), undefined);
  t.equal(scopedAgency(directory, admin, 'H40.12', 'reports'), '000.00.12.H40');
  t.equal(scopedAgency(directory, admin, 'unknown-agency', 'reports'), 'unknown-agency', 'an unknown id is kept: it matches nothing');
});
