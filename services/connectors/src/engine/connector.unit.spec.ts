import t from 'tap';
import { withoutSealed } from './connector.js';

t.test('withoutSealed leaves out sealed members and PIN hashes at any depth, in arrays too', async (t) => {
  const data = {
    dossierCode: 'X-1',
    applicantSealed: 'v1.abc',
    applicant: { maskedName: 'N*** V** A', addressSealed: 'v1.def' },
    pinHash: 'scrypt$…',
    parts: [{ idSealed: 'v1.ghi', kind: 'cccd' }, 'text', 3],
  };
  const copy = JSON.parse(JSON.stringify(data)) as typeof data;
  t.same(withoutSealed(data), { dossierCode: 'X-1', applicant: { maskedName: 'N*** V** A' }, parts: [{ kind: 'cccd' }, 'text', 3] });
  t.same(data, copy, 'the event itself is not changed');
  t.same(withoutSealed({ a: [{ b: { cSEALED: 1, d: 2 } }] }), { a: [{ b: { d: 2 } }] }, 'the suffix in any case');
});

t.test('withoutSealed hands back the value itself when nothing is sealed (no copy per delivery)', async (t) => {
  const data = { dossierCode: 'X-1', agencyId: 'H40', statusCode: 2, nested: { list: [1, { a: 'b' }] } };
  t.equal(withoutSealed(data), data);
  for (const scalar of [null, 1, 'x', true]) t.equal(withoutSealed(scalar), scalar);
});
