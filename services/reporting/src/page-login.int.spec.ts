import { join } from 'node:path';
import t from 'tap';
import { loadSecret } from '@lienthong/dossier-contract';
import { createTicketStore } from '@lienthong/service-kit';
import { eventually } from '@lienthong/testing';
import { seedRegime, seedTree, startReportingHub, testClock, type Headers, type ReportingHub } from './test/reporting-hub.js';

const STATUS = '/v1/reporting/status?regime=KTXH&period=2027-01';
const report = (agencyId: string) => `/v1/reporting/reports/KTXH/2027-01/${agencyId}`;

/** Ticket from a bearer token, then the page cookie it opens (`name=value`). */
async function pageCookie(hub: ReportingHub, who: Headers): Promise<string> {
  const issued = await hub.req('POST', '/v1/reporting/tickets', who, {});
  if (issued.statusCode !== 201) throw new Error(`ticket: ${issued.body}`);
  const session = await hub.req('POST', '/v1/reporting/session', {}, { ticket: issued.json().ticket });
  if (session.statusCode !== 200) throw new Error(`session: ${session.body}`);
  return String(session.headers['set-cookie']).split(';')[0]!;
}

t.test('/bao-cao login: tickets, the page session cookie, and the rules of the reads through it', async (t) => {
  const clock = testClock('2027-01-05T03:00:00.000Z');
  const hub = await startReportingHub(clock.now);
  t.teardown(() => hub.close());
  const { leader, clerk } = await seedTree(hub);
  await seedRegime(hub);
  const system = await hub.system(['H40']);

  // 1. tickets: staff and admins with their bearer token
  t.equal((await hub.req('POST', '/v1/reporting/tickets', {}, {})).statusCode, 401);
  t.equal((await hub.req('POST', '/v1/reporting/tickets', system, {})).statusCode, 403);
  t.equal((await hub.req('POST', '/v1/reporting/tickets', clerk['H40.01']!, { agencyId: 'H40' })).statusCode, 400, 'no choosing a scope');
  const issued = await hub.req('POST', '/v1/reporting/tickets', clerk['H40.01.01']!, {});
  t.equal(issued.statusCode, 201, issued.body);
  t.equal(issued.headers['cache-control'], 'no-store');
  const { ticket, expiresAt, agencyId } = issued.json();
  t.equal(agencyId, 'H40.01.01', "the ticket's grant is the staff member's agency");
  t.ok(Date.parse(expiresAt) - Date.now() <= 60_000);

  // 2. the exchange: once, for an HttpOnly, SameSite=Strict cookie under the reporting API
  const session = await hub.req('POST', '/v1/reporting/session', {}, { ticket });
  t.equal(session.statusCode, 200, session.body);
  t.match(session.json(), { kind: 'staff', agencyId: 'H40.01.01', roles: ['clerk'] });
  const setCookie = String(session.headers['set-cookie']);
  t.match(setCookie, /^lt_bao_cao=[^;]+; Max-Age=1800; Path=\/v1\/reporting; HttpOnly; SameSite=Strict$/);
  const commune = { cookie: setCookie.split(';')[0]! };
  const again = await hub.req('POST', '/v1/reporting/session', {}, { ticket });
  t.equal(again.statusCode, 401, 'a reused ticket is refused');
  t.match(again.json(), { status: 401, ticket: 'used', detail: 'the ticket was already used' });
  t.match(again.headers['content-type'], /application\/problem\+json/);
  t.equal(again.headers['set-cookie'], undefined);

  // 3. forged, malformed, another use's tickets: 401 naming what is wrong
  const [payload, signature] = (await hub.req('POST', '/v1/reporting/tickets', clerk['H40.01.01']!, {})).json().ticket.split('.');
  const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const widened = Buffer.from(JSON.stringify({ ...body, grant: { principal: { kind: 'admin', id: 'admin' }, agencyId: null } })).toString(
    'base64url',
  );
  const board = createTicketStore({ use: 'board-ticket', secret: loadSecret(join(hub.dataDir, 'secrets'), 'pin-hmac'), ttlMs: 60_000 });
  const boardTicket = board.issue({ agencyId: 'H40.01.01', principal: { kind: 'admin', id: 'admin' } }).ticket;
  for (const [bad, reason] of [
    [`${widened}.${signature}`, 'forged'],
    ['not-a-ticket', 'malformed'],
    [boardTicket, 'other-use'],
    [commune.cookie.slice('lt_bao_cao='.length), 'other-use'],
  ] as const) {
    const res = await hub.req('POST', '/v1/reporting/session', {}, { ticket: bad });
    t.equal(res.statusCode, 401, `${reason}: ${res.body}`);
    t.match(res.json(), { status: 401, code: 'LT_UNAUTHENTICATED', ticket: reason });
  }
  t.match(
    (await hub.req('POST', '/v1/reporting/session', {}, { ticket: boardTicket })).json().detail,
    /board-ticket, not reporting-ticket/,
  );
  t.equal((await hub.req('POST', '/v1/reporting/session', {}, {})).statusCode, 400, 'no ticket');

  // 4. the reads of the page through the cookie, under the rules of the token: a commune sees itself only
  t.match((await hub.req('GET', '/v1/reporting/session', commune)).json(), { kind: 'staff', agencyId: 'H40.01.01' });
  const own = await hub.req('GET', STATUS, commune);
  t.equal(own.statusCode, 200, own.body);
  t.strictSame(
    own.json().agencies.map((a: { agencyId: string }) => a.agencyId),
    ['H40.01.01'],
  );
  t.equal((await hub.req('GET', `${STATUS}&agencyId=H40.01.02`, commune)).statusCode, 403, 'not a sibling commune');
  t.equal((await hub.req('GET', `${report('H40.01')}/aggregate`, commune)).statusCode, 403, 'not its district');
  t.equal((await hub.req('GET', `${report('H40.01.01')}/aggregate`, commune)).statusCode, 200);
  t.equal(
    (await hub.req('GET', '/v1/reporting/series?regime=KTXH&indicator=pop&agencyId=H40.01.01', commune)).statusCode,
    200,
    'the chart',
  );
  // a district its communes, not the other district's
  const district = { cookie: await pageCookie(hub, leader['H40.01']!) };
  t.strictSame(
    (await hub.req('GET', STATUS, district)).json().agencies.map((a: { agencyId: string }) => a.agencyId),
    ['H40.01', 'H40.01.01', 'H40.01.02'],
  );
  t.equal((await hub.req('GET', `${report('H40.01.02')}/aggregate`, district)).statusCode, 200);
  t.equal((await hub.req('GET', `${STATUS}&agencyId=H40.02`, district)).statusCode, 403);

  // 5. never for writes, nor for reads the page does not make; a system stays a system
  const leaderCookie = { cookie: await pageCookie(hub, leader['H40.01.01']!) };
  const draft = await hub.req('PUT', `${report('H40.01.01')}/values`, leaderCookie, { values: { pop: 1 } });
  t.equal(draft.statusCode, 401, 'a draft needs the bearer token');
  t.equal((await hub.req('POST', `${report('H40.01.01')}/submit`, leaderCookie)).statusCode, 401);
  t.equal((await hub.req('GET', report('H40.01.01'), leaderCookie)).statusCode, 401, 'the report route is not a page read');
  t.equal((await hub.req('POST', '/v1/reporting/tickets', leaderCookie, {})).statusCode, 401, 'no ticket from a cookie');
  t.equal((await hub.req('GET', STATUS, { ...system, ...commune })).statusCode, 403);
  t.equal((await hub.req('GET', STATUS, clerk['H40.01.01']!)).statusCode, 200, 'the bearer token as before');
  const noCookie = await hub.req('GET', STATUS);
  t.equal(noCookie.statusCode, 401);
  t.match(noCookie.json().detail, /bearer token or the page session/);
  const tampered = await hub.req('GET', STATUS, { cookie: `${commune.cookie.slice(0, -3)}AAA` });
  t.match(tampered.json(), { status: 401, pageSession: 'forged' });
  const aTicketAsCookie = (await hub.req('POST', '/v1/reporting/tickets', clerk['H40.01.01']!, {})).json().ticket;
  t.match((await hub.req('GET', STATUS, { cookie: `lt_bao_cao=${aTicketAsCookie}` })).json(), { status: 401, pageSession: 'other-use' });

  for (const hostile of [
    'lt_bao_cao=%E0%A4%A',
    'lt_bao_cao',
    'lt_bao_cao="abc',
    `lt_bao_cao=${'x'.repeat(8000)}`,
    'lt_bao_cao=.',
    'lt_bao_cao=e30.e30',
  ]) {
    const res = await hub.req('GET', STATUS, { cookie: hostile });
    t.equal(res.statusCode, 401, `hostile cookie ${hostile.slice(0, 30)}: ${res.body.slice(0, 200)}`);
    t.match(res.headers['content-type'], /application\/problem\+json/);
  }
  t.equal((await hub.req('GET', STATUS, { cookie: 'other=1; lt_bao_cao=' })).statusCode, 401, 'an empty cookie is no session');

  // the routes are in the OpenAPI document (and so walked by the hub's problem-paths spec)
  const paths = Object.keys((await hub.req('GET', '/docs/json')).json().paths);
  for (const path of ['/v1/reporting/tickets', '/v1/reporting/session']) t.ok(paths.includes(path), `${path} in /docs`);

  // 6. logging out clears the cookie
  const out = await hub.req('DELETE', '/v1/reporting/session', commune);
  t.equal(out.statusCode, 204);
  t.match(String(out.headers['set-cookie']), /^lt_bao_cao=; Max-Age=0; Path=\/v1\/reporting; HttpOnly; SameSite=Strict$/);
});

t.test("a revoked token's page stops within a second; a ticket of a revoked token opens nothing", async (t) => {
  const hub = await startReportingHub(testClock('2027-01-05T03:00:00.000Z').now);
  t.teardown(() => hub.close());
  await seedTree(hub);
  await seedRegime(hub);
  const staff = await hub.staff('H40.01', ['leader']);
  const page = { cookie: await pageCookie(hub, staff) };
  const pending = (await hub.req('POST', '/v1/reporting/tickets', staff, {})).json().ticket;
  t.equal((await hub.req('GET', STATUS, page)).statusCode, 200);
  const revokedAt = Date.now();
  t.equal((await hub.req('POST', `/v1/admin/staff/${staff.staffId}/revoke`, hub.admin, {})).statusCode, 200);
  await eventually(async () => (await hub.req('GET', STATUS, page)).statusCode === 401, 1000, 'the page refused within a second');
  t.ok(Date.now() - revokedAt < 1000);
  t.match((await hub.req('GET', STATUS, page)).json(), { status: 401, pageSession: 'revoked' });
  t.match((await hub.req('GET', '/v1/reporting/session', page)).json(), { status: 401, pageSession: 'revoked' });
  t.match((await hub.req('POST', '/v1/reporting/session', {}, { ticket: pending })).json(), { status: 401, ticket: 'revoked' });
});

t.test('tickets and page sessions expire', async (t) => {
  const hub = await startReportingHub(testClock('2027-01-05T03:00:00.000Z').now, { login: { ticketTtlMs: 100, pageSessionTtlMs: 1500 } });
  t.teardown(() => hub.close());
  await seedTree(hub);
  await seedRegime(hub);
  const staff = await hub.staff('H40', ['clerk']);
  const late = (await hub.req('POST', '/v1/reporting/tickets', staff, {})).json().ticket;
  const page = { cookie: await pageCookie(hub, staff) };
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.match((await hub.req('POST', '/v1/reporting/session', {}, { ticket: late })).json(), { status: 401, ticket: 'expired' });
  t.equal((await hub.req('GET', STATUS, page)).statusCode, 200, 'the page session outlives its ticket');
  await eventually(async () => (await hub.req('GET', STATUS, page)).statusCode === 401, 5000, 'the page session expires');
  t.match((await hub.req('GET', STATUS, page)).json(), { pageSession: 'expired' });
});
