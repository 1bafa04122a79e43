import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, sha256Hex } from '@lienthong/decider';
import { pinVerifier } from '@lienthong/dossier-contract';
import { startDossiersHub, testClock, type DossiersHub } from './test-helpers.js';

const A = '000.00.12.H40';
const B = '000.00.13.H40';
const MON_0800 = '2026-03-09T01:00:00.000Z';
const body = { procedureCode: '1.004227', agencyId: A, applicant: { name: 'Nguyễn Văn An', idNumber: '001203004005' }, channel: 'counter' };
type Staff = { authorization: string; staffId: string };

async function setUp(hub: DossiersHub) {
  await hub.agency(A);
  await hub.publishProcedure('1.004227', 3);
  return { clerk: await hub.staff(A, ['clerk']), otherClerk: await hub.staff(A, ['clerk']), leader: await hub.staff(A, ['leader']) };
}
const keyed = (who: Staff, key: string) => ({ authorization: who.authorization, 'idempotency-key': key });
const received = async (hub: DossiersHub) => (await hub.platform.store.listStreams({ prefix: 'dossier-', limit: 1000 })).length;
const requests = async (hub: DossiersHub) => (await hub.platform.store.listStreams({ prefix: 'dossierrequest-', limit: 1000 })).length;
const eventCount = async (hub: DossiersHub) => (await hub.platform.store.readAll({ maxCount: 10_000 })).length;
const eventsOf = async (hub: DossiersHub, code: string) => (await hub.platform.store.readStream(`dossier-${code}`)).map((e) => e.type);

t.test('a receipt retried with the same key answers the same code and PIN and makes one dossier', async (t) => {
  const hub = await startDossiersHub({ clock: testClock(MON_0800).now, overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  const { clerk, otherClerk } = await setUp(hub);
  const first = await hub.inject('POST', '/v1/dossiers', keyed(clerk, 'receipt-1'), body);
  t.equal(first.statusCode, 201, first.body);
  const again = await hub.inject('POST', '/v1/dossiers', keyed(clerk, 'receipt-1'), {
    ...body,
    applicant: { idNumber: '001203004005', name: 'Nguyễn Văn An' },
  });
  t.equal(again.statusCode, 201, 'the same answer (keys in another order are the same body)');
  t.same(again.json(), first.json(), 'same code, PIN, status and dates');
  t.equal(await received(hub), 1, 'one dossier');
  const pinHash = ((await hub.platform.store.readStream(`dossier-${first.json().dossierCode}`))[0]!.data as { pinHash: string }).pinHash;
  t.ok(
    pinVerifier(join(hub.dataDir, 'secrets'))(first.json().dossierCode, first.json().lookupPin, pinHash),
    'the PIN answered is the dossier’s',
  );
  const raw = JSON.stringify(await hub.platform.store.readAll({ maxCount: 10_000 }));
  t.notOk(raw.includes(first.json().lookupPin), 'the PIN is stored nowhere in the events');
  for (const clear of [body.applicant.name, body.applicant.idNumber]) t.notOk(raw.includes(clear), `no event carries ${clear} in clear`);

  // the binding's hash is keyed: the plain SHA-256 of a guessed body does not confirm it
  const [binding] = await hub.platform.store
    .readAll({ maxCount: 10_000 })
    .then((all) => all.filter((e) => e.type === 'DossierRequestRecorded'));
  const recorded = binding!.data as { bodySha256: string };
  t.match(recorded.bodySha256, /^[0-9a-f]{64}$/);
  for (const guess of [{ receipt: body }, body])
    t.not(recorded.bodySha256, sha256Hex(canonicalJson(guess)), 'not the plain SHA-256 of the canonical body');
  t.same(
    Object.keys(binding!.data as object).sort(),
    ['bodySha256', 'dossierCode', 'key', 'kind', 'receivedAt', 'requestId'],
    'nothing else of the request in the binding',
  );

  // the same key with another body: 409 problem+json, nothing made
  const other = await hub.inject('POST', '/v1/dossiers', keyed(clerk, 'receipt-1'), { ...body, channel: 'postal' });
  t.equal(other.statusCode, 409);
  t.match(other.headers['content-type'], /application\/problem\+json/);
  t.match(other.json(), { status: 409, code: 'LT_IDEMPOTENCY_MISMATCH', detail: /receipt-1/ });
  t.equal(await received(hub), 1);

  // keys are the caller's own: another clerk's same key is another request, and cannot read the first answer
  const theirs = await hub.inject('POST', '/v1/dossiers', keyed(otherClerk, 'receipt-1'), body);
  t.equal(theirs.statusCode, 201);
  t.not(theirs.json().dossierCode, first.json().dossierCode);
  t.not(theirs.json().lookupPin, first.json().lookupPin);
  t.equal(await received(hub), 2);

  // no key: every POST is a new receipt, as before
  const plain = [await hub.inject('POST', '/v1/dossiers', clerk, body), await hub.inject('POST', '/v1/dossiers', clerk, body)];
  t.not(plain[0]!.json().dossierCode, plain[1]!.json().dossierCode);
  t.equal(plain[1]!.json().dossierCode, `${A}-260309-0004`, 'no number of the day was spent by the retries');
  const bad = await hub.inject('POST', '/v1/dossiers', keyed(clerk, 'has space'), body);
  t.equal(bad.statusCode, 400);
  t.match(bad.json().errors, [{ path: 'headers/idempotency-key' }]);
});

t.test('an action retried with the same key applies once and answers the same', async (t) => {
  const hub = await startDossiersHub({ clock: testClock(MON_0800).now, overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  const { clerk, leader } = await setUp(hub);
  const code = (await hub.inject('POST', '/v1/dossiers', clerk, body)).json().dossierCode as string;
  const other = (await hub.inject('POST', '/v1/dossiers', clerk, body)).json().dossierCode as string;
  t.equal((await hub.inject('POST', `/v1/dossiers/${code}/actions/accept`, keyed(clerk, 'accept-1'), {})).statusCode, 200);
  const assign = () => hub.inject('POST', `/v1/dossiers/${code}/actions/assign`, keyed(leader, 'assign-1'), { officer: 'cv.an' });
  const first = await assign();
  t.equal(first.statusCode, 200, first.body);
  const retry = await assign();
  t.equal(retry.statusCode, 200, 'not 409 "assign not allowed in processing"');
  t.same(retry.json(), first.json(), 'the same answer');
  t.same(await eventsOf(hub, code), ['DossierReceived', 'DossierAccepted', 'DossierAssigned'], 'assigned once');

  // a later change does not alter the retry's answer: it is the state the request made
  t.equal((await hub.inject('POST', `/v1/dossiers/${code}/actions/complete`, leader, {})).statusCode, 200);
  t.match((await assign()).json(), { status: 'processing', officer: 'cv.an', revision: first.json().revision });
  t.equal((await eventsOf(hub, code)).filter((e) => e === 'DossierAssigned').length, 1);

  // the same key for another request: another body, another dossier, another action → 409
  for (const [url, payload] of [
    [`/v1/dossiers/${code}/actions/assign`, { officer: 'cv.binh' }],
    [`/v1/dossiers/${other}/actions/assign`, { officer: 'cv.an' }],
    [`/v1/dossiers/${code}/actions/stop`, { reason: 'x' }],
  ] as const) {
    const res = await hub.inject('POST', url, keyed(leader, 'assign-1'), payload);
    t.equal(res.statusCode, 409, url);
    t.match(res.json(), { status: 409, code: 'LT_IDEMPOTENCY_MISMATCH' });
  }
  t.equal((await eventsOf(hub, other)).length, 1, 'nothing applied to the other dossier');
});

t.test('a key on a dossier the caller cannot see, or on a refused action, is not bound', async (t) => {
  const hub = await startDossiersHub({ clock: testClock(MON_0800).now, overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  const { clerk } = await setUp(hub);
  await hub.agency(B);
  const clerkB = await hub.staff(B, ['clerk']);
  const code = (await hub.inject('POST', '/v1/dossiers', clerk, body)).json().dossierCode as string;
  const before = await eventCount(hub);

  const unkeyed = await hub.inject('POST', `/v1/dossiers/${code}/actions/accept`, clerkB, {});
  for (const url of [
    `/v1/dossiers/${code}/actions/accept`,
    `/v1/dossiers/${code}/actions/transfer`,
    `/v1/dossiers/${A}-260309-9999/actions/accept`,
  ]) {
    const res = await hub.inject('POST', url, keyed(clerkB, 'theirs'), url.endsWith('transfer') ? { toAgencyId: B } : {});
    t.equal(res.statusCode, 404, url);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.match(res.json(), { status: 404, code: unkeyed.json().code, detail: unkeyed.json().detail }, 'the same 404 as without a key');
  }
  t.equal(await requests(hub), 0, 'no binding names the other agency’s dossier');
  t.equal(await eventCount(hub), before, 'nothing appended');

  // a refused action (not allowed in status new) binds nothing either: the key stays free
  const refused = await hub.inject('POST', `/v1/dossiers/${code}/actions/complete`, keyed(clerk, 'k'), {});
  t.equal(refused.statusCode, 409, refused.body);
  t.match(refused.json(), { code: 'LT_ACTION_NOT_ALLOWED' });
  t.equal(await eventCount(hub), before);
  t.equal((await hub.inject('POST', `/v1/dossiers/${code}/actions/accept`, keyed(clerk, 'k'), {})).statusCode, 200);
  t.equal(await requests(hub), 1);
  t.same(await eventsOf(hub, code), ['DossierReceived', 'DossierAccepted']);
});

t.test('two concurrent requests with one key: one effect, one answer', async (t) => {
  const hub = await startDossiersHub({ clock: testClock(MON_0800).now, overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  const { clerk, leader } = await setUp(hub);
  const receipts = await Promise.all(Array.from({ length: 5 }, () => hub.inject('POST', '/v1/dossiers', keyed(clerk, 'twin'), body)));
  t.same(
    receipts.map((r) => r.statusCode),
    [201, 201, 201, 201, 201],
  );
  for (const r of receipts) t.same(r.json(), receipts[0]!.json());
  t.equal(await received(hub), 1, 'one dossier');
  const code = receipts[0]!.json().dossierCode as string;
  t.equal((await hub.inject('POST', `/v1/dossiers/${code}/actions/accept`, clerk, {})).statusCode, 200);
  const assigns = await Promise.all(
    Array.from({ length: 5 }, () =>
      hub.inject('POST', `/v1/dossiers/${code}/actions/assign`, keyed(leader, 'twin-assign'), { officer: 'cv.an' }),
    ),
  );
  t.same(
    assigns.map((r) => r.statusCode),
    [200, 200, 200, 200, 200],
  );
  for (const r of assigns) t.same(r.json(), assigns[0]!.json());
  t.same(await eventsOf(hub, code), ['DossierReceived', 'DossierAccepted', 'DossierAssigned'], 'assigned once');
});

t.test('keys survive a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-dossiers-idem-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const clock = testClock(MON_0800);
  let hub = await startDossiersHub({ dataDir, clock: clock.now, overdueIntervalMs: 60_000 });
  const { clerk, leader } = await setUp(hub);
  const receipt = await hub.inject('POST', '/v1/dossiers', keyed(clerk, 'before-crash'), body);
  const code = receipt.json().dossierCode as string;
  await hub.inject('POST', `/v1/dossiers/${code}/actions/accept`, clerk, {});
  const assigned = await hub.inject('POST', `/v1/dossiers/${code}/actions/assign`, keyed(leader, 'assign-before-crash'), {
    officer: 'cv.an',
  });
  t.equal(assigned.statusCode, 200);
  await hub.close();

  clock.set('2026-03-09T03:00:00.000Z'); // two hours later: a body without receivedAt still means the first attempt's time
  hub = await startDossiersHub({ dataDir, clock: clock.now, overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  const again = await hub.inject('POST', '/v1/dossiers', keyed(clerk, 'before-crash'), body);
  t.equal(again.statusCode, 201);
  t.same(again.json(), receipt.json(), 'the same code and PIN after the restart');
  t.equal(await received(hub), 1);
  const assignedAgain = await hub.inject('POST', `/v1/dossiers/${code}/actions/assign`, keyed(leader, 'assign-before-crash'), {
    officer: 'cv.an',
  });
  t.equal(assignedAgain.statusCode, 200);
  t.equal(assignedAgain.json().revision, assigned.json().revision);
  t.same(await eventsOf(hub, code), ['DossierReceived', 'DossierAccepted', 'DossierAssigned']);
  t.equal(
    (await hub.inject('POST', '/v1/dossiers', keyed(clerk, 'before-crash'), { ...body, channel: 'online' })).statusCode,
    409,
    'still bound to its body',
  );
});
