import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { A, B, PROCEDURE, otherPin, startTrackerHub, type Reply } from './test/helpers.js';

/** Headers that differ on every answer whatever it says. */
const VOLATILE = new Set(['date', 'x-correlation-id', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'connection', 'keep-alive']);
const stableHeaders = (r: Reply) => Object.fromEntries(Object.entries(r.headers).filter(([k]) => !VOLATILE.has(k)));

t.test('the read model follows a dossier through the workflow; the lookup answers from it', async (t) => {
  const hub = await startTrackerHub();
  t.teardown(() => hub.close());
  await hub.agency(A);
  await hub.agency(B);
  await hub.publishProcedure(PROCEDURE, 3);
  const clerk = await hub.staff(A, ['clerk']);
  const officer = await hub.staff(A, ['officer']);
  const leader = await hub.staff(A, ['leader']);
  const { dossierCode, lookupPin, dueAt } = await hub.receive(clerk, A);

  const first = await hub.track(dossierCode, lookupPin);
  t.equal(first.statusCode, 200, first.body);
  const answer = first.json();
  t.equal(answer.dossierCode, dossierCode);
  t.strictSame(answer.procedure, { code: PROCEDURE, name: `Đăng ký khai sinh ${PROCEDURE}` });
  t.equal(answer.status, 'new');
  t.equal(answer.statusCode, 1);
  t.equal(answer.statusLabel, 'Mới đăng ký');
  t.equal(answer.dueAt, dueAt);
  t.equal(answer.onTime, true);
  t.equal(answer.overdue, false);
  t.equal(answer.applicant, 'N*** V*** A***', 'only the masked name');
  t.notMatch(first.body, /Nguyễn|001203004005|0901234567|pinHash|agencyId/, 'no personal data, no hash, no holder');
  t.equal(answer.history.length, 1);
  t.match(first.headers['content-type'], /^application\/json/);
  t.equal(first.headers['cache-control'], 'private, no-cache');
  const etag = first.headers.etag as string;
  t.match(etag, /^"[A-Za-z0-9_-]{32}"$/, 'strong ETag');

  // polling: same answer → 304 without a body; W/ and lists accepted
  const again = await hub.track(dossierCode, lookupPin, { 'if-none-match': etag });
  t.equal(again.statusCode, 304);
  t.equal(again.body, '');
  t.equal(again.headers.etag, etag);
  t.equal((await hub.track(dossierCode, lookupPin, { 'if-none-match': `"x", W/${etag}` })).statusCode, 304);
  t.equal((await hub.track(dossierCode, lookupPin, { 'if-none-match': '"stale"' })).statusCode, 200);
  // a 304 needs the PIN too: the validator is not an oracle
  t.equal((await hub.track(dossierCode, otherPin(lookupPin), { 'if-none-match': etag })).statusCode, 404);

  // the workflow, through the dossiers API
  t.equal((await hub.act(clerk, dossierCode, 'accept', { note: 'đủ' })).statusCode, 200);
  const changed = await hub.track(dossierCode, lookupPin, { 'if-none-match': etag });
  t.equal(changed.statusCode, 200, 'a change is a new answer');
  t.not(changed.headers.etag, etag);
  t.equal(changed.json().statusLabel, 'Được tiếp nhận');
  await hub.act(clerk, dossierCode, 'assign', { officer: officer.staffId });
  await hub.act(officer, dossierCode, 'request-supplement', { reason: 'thiếu bản sao' });
  await hub.act(clerk, dossierCode, 'supplement', {});
  await hub.act(officer, dossierCode, 'request-payment', { amount: 50000 });
  await hub.act(clerk, dossierCode, 'confirm-payment', {});
  await hub.act(leader, dossierCode, 'complete', {});
  await hub.act(clerk, dossierCode, 'deliver-result', {});
  const done = (await hub.track(dossierCode, lookupPin)).json();
  t.equal(done.statusCode, 10);
  t.equal(done.statusLabel, 'Đã trả kết quả');
  t.equal(done.onTime, true, 'resolved before the legal due date');
  t.strictSame(
    done.history.map((h: { statusCode: number }) => h.statusCode),
    [1, 2, 4, 5, 4, 6, 4, 9, 10],
    'one entry per status entered',
  );
  t.strictSame(
    done.history.map((h: { statusLabel: string }) => h.statusLabel),
    [
      'Mới đăng ký',
      'Được tiếp nhận',
      'Đang xử lý',
      'Yêu cầu bổ sung',
      'Đang xử lý',
      'Yêu cầu thực hiện nghĩa vụ tài chính',
      'Đang xử lý',
      'Đã xử lý xong',
      'Đã trả kết quả',
    ],
  );
  for (const h of done.history) t.match(h.at, /^\d{4}-\d\d-\d\dT/);

  // a transfer keeps the dossier trackable with the same PIN
  const second = await hub.receive(clerk, A, 'Trần Thị Bình');
  await hub.act(clerk, second.dossierCode, 'accept');
  await hub.act(leader, second.dossierCode, 'transfer', { toAgencyId: B });
  const moved = await hub.track(second.dossierCode, second.lookupPin);
  t.equal(moved.statusCode, 200);
  t.equal(moved.json().applicant, 'T*** T*** B***');

  // rebuilt from zero while serving: the same answers
  const before = (await hub.track(dossierCode, lookupPin)).body;
  const rebuild = await hub.inject('POST', '/v1/admin/projections/status-tracker-dossiers/rebuild', hub.admin);
  t.equal(rebuild.statusCode, 200, rebuild.body);
  t.equal((await hub.track(dossierCode, lookupPin)).body, before, 'rebuilt read model answers the same');
});

t.test('privacy: unknown code and wrong PIN give the same 404; impossible formats a 400', async (t) => {
  const hub = await startTrackerHub();
  t.teardown(() => hub.close());
  await hub.agency(A);
  await hub.publishProcedure(PROCEDURE, 3);
  const clerk = await hub.staff(A, ['clerk']);
  const { dossierCode, lookupPin } = await hub.receive(clerk, A);

  const wrongPin = await hub.track(dossierCode, otherPin(lookupPin));
  const unknownCode = await hub.track(`${A}-200101-0001`, lookupPin);
  const unknownBoth = await hub.track('nothing-here', '12345678');
  t.equal(wrongPin.statusCode, 404);
  for (const other of [unknownCode, unknownBoth]) {
    t.equal(other.statusCode, 404);
    t.equal(other.body, wrongPin.body, 'same body byte for byte');
    t.strictSame(stableHeaders(other), stableHeaders(wrongPin), 'same headers');
  }
  t.match(wrongPin.headers['content-type'], /^application\/problem\+json/);
  t.equal(wrongPin.headers['cache-control'], 'no-store');
  t.equal(wrongPin.headers.etag, undefined);
  t.notMatch(wrongPin.body, new RegExp(lookupPin), 'the PIN is not echoed');
  t.equal(wrongPin.json().status, 404);

  // impossible shapes: 400 naming the field
  const badCode = await hub.inject('GET', `/v1/track/${encodeURIComponent('<script>')}?pin=12345678`);
  t.equal(badCode.statusCode, 400);
  t.match(badCode.json().errors, [{ path: /dossierCode/ }]);
  t.equal((await hub.inject('GET', `/v1/track/${'A'.repeat(65)}?pin=12345678`)).statusCode, 400, 'absurd length');
  const noPin = await hub.inject('GET', `/v1/track/${dossierCode}`);
  t.equal(noPin.statusCode, 400);
  t.match(noPin.json().errors, [{ path: /pin/ }]);
  t.equal((await hub.track(dossierCode, '12 34')).statusCode, 400);
  // possible shapes answer the same 404
  t.equal((await hub.track('ABC', '1')).body, wrongPin.body);
});

t.test('per-client limits: 429 after the per-minute budget, and sooner after failed lookups', async (t) => {
  const hub = await startTrackerHub({ tracker: { lookupsPerMinute: 8, failuresPerWindow: 3 } });
  t.teardown(() => hub.close());
  await hub.agency(A);
  await hub.publishProcedure(PROCEDURE, 3);
  const clerk = await hub.staff(A, ['clerk']);
  const { dossierCode, lookupPin } = await hub.receive(clerk, A);
  const fromB = { 'x-forwarded-for': 'ignored' }; // the key is the socket address, not a header

  // 1. three wrong PINs: the fourth lookup is refused even with the right PIN
  for (let i = 0; i < 3; i++) t.equal((await hub.track(dossierCode, otherPin(lookupPin), fromB)).statusCode, 404);
  const blocked = await hub.track(dossierCode, lookupPin);
  t.equal(blocked.statusCode, 429);
  t.match(blocked.headers['content-type'], /^application\/problem\+json/);
  t.ok(
    Number(blocked.headers['retry-after']) > 0 && Number(blocked.headers['retry-after']) <= 900,
    'Retry-After within the 15-minute window',
  );
  t.equal(blocked.json().code, 'LT_RATE_LIMITED');

  // 2. another client is not affected; past the per-minute budget it is refused too
  const other = { remoteAddress: '10.0.0.2' };
  const fromOther = async () => hub.app.inject({ method: 'GET', url: `/v1/track/${dossierCode}?pin=${lookupPin}`, ...other });
  const answers: number[] = [];
  for (let i = 0; i < 9; i++) answers.push((await fromOther()).statusCode);
  t.strictSame(answers, [200, 200, 200, 200, 200, 200, 200, 200, 429]);
  const limited = await fromOther();
  t.equal(limited.statusCode, 429);
  t.ok(Number(limited.headers['retry-after']) > 0);
  t.equal(limited.json().code, 'LT_RATE_LIMITED');

  // 3. the other services sharing the app are not limited
  for (let i = 0; i < 20; i++) t.equal((await hub.inject('GET', `/v1/agencies/${A}`, clerk)).statusCode, 200);
});

t.test('the read model survives a restart and keeps following the bus', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-tracker-'));
  let hub = await startTrackerHub({ dataDir });
  await hub.agency(A);
  await hub.publishProcedure(PROCEDURE, 3);
  let clerk = await hub.staff(A, ['clerk']);
  const { dossierCode, lookupPin } = await hub.receive(clerk, A);
  await hub.close();

  hub = await startTrackerHub({ dataDir });
  t.teardown(async () => {
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  t.equal((await hub.track(dossierCode, lookupPin)).json().statusCode, 1, 'still there after restart, PIN key reused');
  clerk = await hub.staff(A, ['clerk']);
  await hub.act(clerk, dossierCode, 'accept');
  t.equal((await hub.track(dossierCode, lookupPin)).json().statusCode, 2, 'new events still arrive');
});
