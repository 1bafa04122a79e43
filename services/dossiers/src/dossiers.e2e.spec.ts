import t from 'tap';
import { startDossiersHub, testClock } from './test-helpers.js';

const A = '000.00.12.H40';
const B = '000.00.13.H40';
// Monday 9 March 2026, 08:00 in Hanoi: a plain working week.
const MON_0800 = '2026-03-09T01:00:00.000Z';

t.test('workflow, deadlines, pause, apology, transfer, queue, history and report through the API', async (t) => {
  const clock = testClock(MON_0800);
  const hub = await startDossiersHub({ clock: clock.now, overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  await hub.agency(A);
  await hub.agency(B);
  await hub.publishProcedure('1.004227', 3);
  const clerk = await hub.staff(A, ['clerk']);
  const officer = await hub.staff(A, ['officer']);
  const leader = await hub.staff(A, ['leader']);
  const clerkB = await hub.staff(B, ['clerk']);

  const created = await hub.inject('POST', '/v1/dossiers', clerk, {
    procedureCode: '1.004227',
    agencyId: A,
    applicant: { name: 'Nguyễn Văn An', idNumber: '001203004005', phone: '0901234567' },
    channel: 'counter',
    components: ['Tờ khai', { name: 'Căn cước công dân', copies: 1 }],
  });
  t.equal(created.statusCode, 201, created.body);
  const receipt = created.json();
  t.equal(receipt.dossierCode, `${A}-260309-0001`);
  t.match(receipt.lookupPin, /^\d{8}$/);
  t.equal(receipt.status, 'new');
  t.equal(receipt.statusCode, 1);
  t.equal(receipt.receivedAt, MON_0800);
  t.equal(receipt.dueAt, '2026-03-12T01:00:00.000Z', '3 working days later: Thursday 08:00');
  const code: string = receipt.dossierCode;
  const act = (who: Record<string, string>, action: string, body: unknown = {}) =>
    hub.inject('POST', `/v1/dossiers/${code}/actions/${action}`, who, body);

  // the clerk sees the dossier with what a clerk may do
  const detail = (await hub.inject('GET', `/v1/dossiers/${code}`, clerk)).json();
  t.strictSame(detail.allowedActions, ['accept', 'reject', 'request-withdrawal']);
  t.equal(detail.applicant.name, 'Nguyễn Văn An', 'staff of the agency read the applicant');
  t.equal(detail.paused, false);
  t.equal(detail.overdue, false);

  // refusals: wrong status → 409 naming status and allowed actions; wrong role → 403
  const early = await act(officer, 'complete');
  t.equal(early.statusCode, 409);
  t.equal(early.json().status, 409, "problem+json's status is the HTTP status");
  t.equal(early.json().dossierStatus, 'new');
  t.equal(early.json().dossierStatusCode, 1);
  t.strictSame(early.json().allowedActions, [], 'an officer can do nothing with a new dossier');
  const wrongRole = await act(officer, 'accept');
  t.equal(wrongRole.statusCode, 403);
  t.equal(wrongRole.json().status, 403);
  t.equal(wrongRole.json().dossierStatus, 'new');
  t.strictSame(wrongRole.json().requiredRoles, ['clerk']);

  t.equal((await act(clerk, 'accept', { note: 'đủ hồ sơ' })).json().statusCode, 2);
  const assigned = (await act(clerk, 'assign', { officer: officer.staffId, department: 'Phòng Tư pháp' })).json();
  t.equal(assigned.statusCode, 4);
  t.equal(assigned.officer, officer.staffId);

  // Tuesday 08:00: supplement requested, the clock stops; Wednesday 08:00 it arrives: due moves one working day
  clock.set('2026-03-10T01:00:00.000Z');
  const paused = (await act(officer, 'request-supplement', { reason: 'thiếu bản sao', items: ['Giấy chứng sinh'] })).json();
  t.equal(paused.statusCode, 5);
  t.equal(paused.paused, true);
  clock.set('2026-03-11T01:00:00.000Z');
  const resumed = (await act(clerk, 'supplement', { components: ['Giấy chứng sinh'] })).json();
  t.equal(resumed.statusCode, 4, 'back to processing');
  t.equal(resumed.paused, false);
  t.equal(resumed.dueAt, '2026-03-13T01:00:00.000Z', 'Friday 08:00: one working day later');
  t.equal(resumed.components.length, 3);

  // payment round trip
  t.equal((await act(officer, 'request-payment', { amount: 50000 })).json().statusCode, 6);
  t.equal((await act(clerk, 'confirm-payment')).json().statusCode, 4);

  // Friday 10:00: late; the live flag shows it, the queue filters it
  clock.set('2026-03-13T03:00:00.000Z');
  t.equal((await hub.inject('GET', `/v1/dossiers/${code}`, leader)).json().overdue, true);
  const overdueQueue = (await hub.inject('GET', `/v1/dossiers?overdue=true`, leader)).json();
  t.strictSame(
    overdueQueue.items.map((i: { dossierCode: string }) => i.dossierCode),
    [code],
  );

  // apology: a new appointment; an earlier one is refused
  t.equal((await act(leader, 'apologize', { reason: 'chờ xác minh', newDueAt: '2026-03-12T01:00:00.000Z' })).statusCode, 422);
  const apologized = (await act(leader, 'apologize', { reason: 'chờ xác minh', newDueAt: '2026-03-17T10:00:00+07:00' })).json();
  t.equal(apologized.dueAt, '2026-03-17T03:00:00.000Z');
  t.equal(apologized.overdue, false);
  t.equal(apologized.statusCode, 4);

  // malformed action bodies → 400 naming the fields
  const bad = await act(leader, 'apologize', { reason: '' });
  t.equal(bad.statusCode, 400);
  t.match(JSON.stringify(bad.json().errors), /newDueAt/);

  // transfer to another agency: A loses it, B's queue shows it with the whole history
  t.equal((await act(leader, 'transfer', { toAgencyId: 'H99.unknown' })).statusCode, 422, 'unknown agency');
  const moved = await act(leader, 'transfer', { toAgencyId: B, reason: 'liên thông' });
  t.equal(moved.statusCode, 200);
  t.equal(moved.json().agencyId, B);
  t.equal(moved.json().applicant, undefined, 'the old agency gets no data back');
  t.equal((await hub.inject('GET', `/v1/dossiers/${code}`, clerk)).statusCode, 404, 'A no longer sees it');
  const queueB = (await hub.inject('GET', `/v1/dossiers`, clerkB)).json();
  t.strictSame(
    queueB.items.map((i: { dossierCode: string; statusCode: number }) => [i.dossierCode, i.statusCode]),
    [[code, 2]],
  );
  const history = (await hub.inject('GET', `/v1/dossiers/${code}/history`, clerkB)).json();
  t.strictSame(
    history.items.map((e: { type: string }) => e.type),
    [
      'DossierReceived',
      'DossierAccepted',
      'DossierAssigned',
      'DossierSupplementRequested',
      'DossierSupplemented',
      'DossierPaymentRequested',
      'DossierPaymentConfirmed',
      'DossierApologized',
      'DossierTransferred',
    ],
  );
  t.notOk(JSON.stringify(history).includes('001203004005'), 'history never shows personal data in clear');
  t.notOk(JSON.stringify(history).includes('pinHash'));

  // B finishes it
  const leaderB = await hub.staff(B, ['leader']);
  t.equal((await act(clerkB, 'assign', {})).json().statusCode, 4);
  t.equal((await act(leaderB, 'complete')).json().statusCode, 9);
  const done = (await act(clerkB, 'deliver-result')).json();
  t.equal(done.statusCode, 10);
  t.strictSame(done.allowedActions, []);
  t.equal(done.overdue, false);

  // report of B for March: received 1, resolved late (after the legal due date, apology or not)
  const report = (await hub.inject('GET', `/v1/reports/dossiers?agencyId=${B}&from=2026-03-01&to=2026-03-31`, leaderB)).json();
  t.match(report, { carriedOver: 0, received: 1, resolvedOnTime: 0, resolvedLate: 1, pending: 0, pendingOverdue: 0 });
  const reportA = (await hub.inject('GET', `/v1/reports/dossiers?from=2026-03-01&to=2026-03-31`, leader)).json();
  t.match(reportA, { agencyId: A, received: 0 }, 'counted where the dossier is now');
});

t.test('receipt validation: procedure, agency, receivedAt, body', async (t) => {
  const clock = testClock(MON_0800);
  const hub = await startDossiersHub({ clock: clock.now, overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  await hub.agency(A);
  await hub.agency(B);
  await hub.publishProcedure('2.000635', 10);
  await hub.publishProcedure('1.000001', 1);
  await hub.retireProcedure('1.000001', 1, new Date('2026-03-01T00:00:00Z'));
  const clerk = await hub.staff(A, ['clerk']);
  const body = { procedureCode: '2.000635', agencyId: A, applicant: { name: 'Trần Thị Bình' }, channel: 'postal' };
  const post = (b: unknown, who = clerk) => hub.inject('POST', '/v1/dossiers', who, b);

  const unknown = await post({ ...body, procedureCode: '9.999999' });
  t.equal(unknown.statusCode, 422, 'unknown procedure');
  t.match(unknown.json(), { detail: 'unknown procedure 9.999999', reason: 'unknown' });
  const retired = await post({ ...body, procedureCode: '1.000001' });
  t.equal(retired.statusCode, 422, 'retired procedure');
  t.match(retired.json(), { detail: `procedure 1.000001 was retired at 2026-03-01T00:00:00.000Z, before ${MON_0800}`, reason: 'retired' });
  const beforeRetirement = await post({ ...body, procedureCode: '1.000001', receivedAt: '2026-02-27T02:00:00Z' });
  t.equal(beforeRetirement.statusCode, 201, 'in force on the (postal) receipt date');
  t.equal(beforeRetirement.json().dossierCode, `${A}-260227-0001`, 'the code carries the receipt date');
  t.equal((await post({ ...body, agencyId: 'H00.nowhere' })).statusCode, 422, 'unknown agency');
  const another = await post({ ...body, agencyId: B });
  t.equal(another.statusCode, 403, 'another agency');
  t.match(another.json().detail, `cannot receive dossiers for ${B}`);
  const future = await post({ ...body, receivedAt: '2026-03-09T02:00:00Z' });
  t.equal(future.statusCode, 400);
  t.same(
    future.json().errors,
    [{ path: 'body/receivedAt', message: 'must not be in the future' }],
    'body fields are named body/…, as elsewhere in the hub',
  );
  // refused receipts spent no number of the day's sequences
  const clerkB = await hub.staff(B, ['clerk']);
  t.equal((await post({ ...body, agencyId: B }, clerkB)).json().dossierCode, `${B}-260309-0001`, 'B today: still 0001');
  const malformed = await post({ agencyId: A, applicant: {}, channel: 'fax' });
  t.equal(malformed.statusCode, 400);
  const paths = JSON.stringify(malformed.json().errors);
  for (const f of ['body/procedureCode', 'body/applicant/name', 'body/channel']) t.match(paths, f, `names ${f}`);
  // query fields are named querystring/…
  const errorPaths = async (url: string) => {
    const res = await hub.inject('GET', url, clerk);
    t.equal(res.statusCode, 400, url);
    return (res.json().errors as { path: string }[]).map((e) => e.path);
  };
  t.same(await errorPaths('/v1/dossiers?status=nonsense'), ['querystring/status']);
  t.same(await errorPaths('/v1/reports/dossiers?from=yesterday&to=2026-03-31'), ['querystring/from']);
  t.same(await errorPaths('/v1/reports/dossiers?from=2026-03-01&to=not-a-date'), ['querystring/to']);
  t.same(await errorPaths('/v1/reports/dossiers?from=2026-03-31&to=2026-03-01'), ['querystring/to'], 'to before from');

  // postal receipt earlier than now, recorded as given with the actor; Tết holidays skipped
  const postal = await post({ ...body, receivedAt: '2026-02-13T09:00:00+07:00' });
  t.equal(postal.statusCode, 201);
  t.equal(postal.json().receivedAt, '2026-02-13T02:00:00.000Z');
  // 10 working days from Fri 13/2 09:00 (6 office hours left that day), Tết off 14–22/2: Fri 6/3 09:00
  t.equal(postal.json().dueAt, '2026-03-06T02:00:00.000Z');
  const history = (await hub.inject('GET', `/v1/dossiers/${postal.json().dossierCode}/history`, clerk)).json();
  t.equal(history.items[0].actor, `staff:${clerk.staffId}`);
  t.equal(history.items[0].at, MON_0800, 'recorded now');
  t.equal(history.items[0].data.receivedAt, '2026-02-13T02:00:00.000Z', 'receipt as given');

  // the calendar replica: a holiday set by the catalog moves the deadline
  await hub.setCalendarYear(2026, ['2026-01-01', '2026-03-10']);
  const withHoliday = (await post({ ...body, procedureCode: '1.000001', receivedAt: '2026-02-27T02:00:00Z' })).json();
  t.equal(withHoliday.dossierCode, `${A}-260227-0002`);
  // Fri 27/2 09:00 + 1 day = Mon 2/3 09:00 (nothing changes there); now one after Mon 9/3:
  await hub.publishProcedure('1.000002', 1);
  const overHoliday = (await post({ ...body, procedureCode: '1.000002' })).json();
  t.equal(overHoliday.dossierCode, `${A}-260309-0001`, 'A today: the future receipt spent no number');
  t.equal(overHoliday.dueAt, '2026-03-11T01:00:00.000Z', 'Tuesday 10/3 is a holiday now: due Wednesday 08:00');
});

t.test('the version in force at receipt is chosen by its legal effective date, not by when it was typed in', async (t) => {
  const clock = testClock(MON_0800);
  const hub = await startDossiersHub({ clock: clock.now, overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  await hub.agency(A);
  const clerk = await hub.staff(A, ['clerk']);
  // Typed into the catalog this morning, effective (by default) from then.
  await hub.publishProcedure('1.000010', 5, new Date(MON_0800), 1, MON_0800);
  const postal = {
    procedureCode: '1.000010',
    agencyId: A,
    applicant: { name: 'Trần Thị Bình' },
    channel: 'postal',
    receivedAt: '2026-02-20T09:00:00+07:00',
  };
  const early = await hub.inject('POST', '/v1/dossiers', clerk, postal);
  t.equal(early.statusCode, 422);
  t.match(
    early.json(),
    {
      status: 422,
      detail: `procedure 1.000010 is not yet in force at 2026-02-20T02:00:00.000Z (in force from ${MON_0800})`,
      reason: 'not-yet-in-force',
      effectiveFrom: MON_0800,
    },
    'not "retired": it never was',
  );
  t.notMatch(early.json().detail, /retired/);
  // The admin records the legal effective date (1 January 2026): the postal dossier finds its procedure.
  await hub.publishProcedure('1.000010', 7, new Date(MON_0800), 2, '2025-12-31T17:00:00.000Z');
  const received = await hub.inject('POST', '/v1/dossiers', clerk, postal);
  t.equal(received.statusCode, 201, received.body);
  const dossier = (await hub.inject('GET', `/v1/dossiers/${received.json().dossierCode}`, clerk)).json();
  t.match(dossier, { procedureCode: '1.000010', procedureVersion: 2 }, 'the version in force then');
});

t.test('authorization: other agency, wrong kind, public', async (t) => {
  const hub = await startDossiersHub({ overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  await hub.agency(A);
  await hub.agency(B);
  await hub.publishProcedure('1.004227', 3);
  const clerk = await hub.staff(A, ['clerk']);
  const clerkB = await hub.staff(B, ['clerk', 'officer', 'leader']);
  const system = await hub.system([A]);
  const code = (
    await hub.inject('POST', '/v1/dossiers', clerk, {
      procedureCode: '1.004227',
      agencyId: A,
      applicant: { name: 'Lê C' },
      channel: 'online',
    })
  ).json().dossierCode;

  t.equal((await hub.inject('GET', `/v1/dossiers/${code}`, clerkB)).statusCode, 404);
  t.equal((await hub.inject('GET', `/v1/dossiers/${code}/history`, clerkB)).statusCode, 404);
  const foreign = await hub.inject('POST', `/v1/dossiers/${code}/actions/accept`, clerkB, {});
  t.equal(foreign.statusCode, 404);
  t.notOk(foreign.body.includes('Lê'), 'nothing of the dossier leaks');
  t.equal((await hub.inject('GET', `/v1/dossiers?agencyId=${A}`, clerkB)).statusCode, 403);
  t.equal((await hub.inject('GET', `/v1/reports/dossiers?agencyId=${A}&from=2026-01-01&to=2026-12-31`, clerkB)).statusCode, 403);
  t.equal((await hub.inject('GET', `/v1/dossiers?agencyId=${B}`, clerkB)).json().total, 0);
  t.equal((await hub.inject('GET', `/v1/dossiers/${code}`, system)).statusCode, 403, 'systems are not staff');
  t.equal((await hub.inject('GET', `/v1/dossiers/${code}`)).statusCode, 401, 'public');
  t.equal((await hub.inject('POST', '/v1/dossiers', {}, {})).statusCode, 401);
  const admin = (await hub.inject('GET', `/v1/dossiers/${code}`, hub.admin)).json();
  t.strictSame(admin.allowedActions, ['accept', 'reject', 'request-withdrawal'], 'admins see everything and act in every role');
  t.equal((await hub.inject('GET', '/v1/dossiers', hub.admin)).json().total, 1);
});
