import Database from 'better-sqlite3';
import t from 'tap';
import { createChangeFanOut } from './change-fan-out.js';
import type { TrackedChange } from './projections/tracker-projection.js';

const change = (dossierCode: string): TrackedChange => ({
  dossierCode,
  agencyId: 'A01',
  previousAgencyId: null,
  event: 'DossierReceived',
  status: 'new',
  dueAt: '2026-11-22T00:00:00.000Z',
  overdue: false,
  at: '2026-11-20T00:00:00.000Z',
});

t.test('fan-out: each committed change to every listener, in the order they subscribed', async (t) => {
  const changes = createChangeFanOut();
  const db = new Database(':memory:');
  t.teardown(() => db.close());
  const { publish } = changes; // handed to the projection unbound, before anyone listens
  publish(change('c0'), db);
  const heard: string[] = [];
  changes.subscribe((c) => heard.push(`forget ${c.dossierCode}`));
  changes.subscribe((c, from) => heard.push(`board ${c.dossierCode} ${from === db}`));
  publish(change('c1'), db);
  publish(change('c2'), db);
  t.same(heard, ['forget c1', 'board c1 true', 'forget c2', 'board c2 true']);
});
