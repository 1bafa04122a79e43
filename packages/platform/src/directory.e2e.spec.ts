import t from 'tap';
import { directoryModule } from './directory-module.js';
import { startTestHub } from './testing.js';

t.test('directory: agencies, systems, staff, tokens, auth and problems', async (t) => {
  const hub = await startTestHub([directoryModule]);
  t.teardown(() => hub.close());
  const { app, admin } = hub;
  const json = { 'content-type': 'application/json' };

  // agencies with both identifier forms
  const created = await app.inject({
    method: 'POST',
    url: '/v1/admin/agencies',
    headers: { ...admin, ...json },
    payload: { organId: '000.00.00.H40', name: 'UBND tỉnh Khánh Hòa', level: 'province', altIds: ['H40'] },
  });
  t.equal(created.statusCode, 201);
  t.match(created.json(), { organId: '000.00.00.H40', form: 'qcvn102', altIds: ['H40'] });
  const child = await app.inject({
    method: 'POST',
    url: '/v1/admin/agencies',
    headers: { ...admin, ...json },
    payload: { organId: 'H40.12', name: 'Sở Tư pháp', parentId: 'h40' },
  });
  t.equal(child.statusCode, 201);
  t.equal(child.json().parentId, '000.00.00.H40', 'parent resolved through its alternative id');
  t.equal(child.json().form, 'qd20');
  await hub.agency('vxp.saas.03', 'Non-conforming id');

  for (const dup of [
    { organId: 'H40', name: 'x' },
    { organId: '000.00.00.h40', name: 'x' },
    { organId: 'NEW.1', name: 'x', altIds: ['H40.12'] },
  ]) {
    const res = await app.inject({ method: 'POST', url: '/v1/admin/agencies', headers: { ...admin, ...json }, payload: dup });
    t.equal(res.statusCode, 409, `duplicate ${JSON.stringify(dup)} → 409`);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  }
  const reclaim = await app.inject({
    method: 'POST',
    url: '/v1/admin/agencies',
    headers: { ...admin, ...json },
    payload: { organId: 'NEW.1', name: 'after a refused claim' },
  });
  t.equal(reclaim.statusCode, 201, 'identifiers claimed by a refused registration were released');

  const invalid = await app.inject({
    method: 'POST',
    url: '/v1/admin/agencies',
    headers: { ...admin, ...json },
    payload: { organId: 'bad id!', level: 'planet' },
  });
  t.equal(invalid.statusCode, 400);
  const paths = (invalid.json().errors as Array<{ path: string }>).map((e) => e.path).sort();
  t.same(paths, ['body/level', 'body/name', 'body/organId'], 'every failing field named');
  const unknownParent = await app.inject({
    method: 'POST',
    url: '/v1/admin/agencies',
    headers: { ...admin, ...json },
    payload: { organId: 'H99', name: 'x', parentId: 'NOPE' },
  });
  t.equal(unknownParent.statusCode, 422);
  const malformed = await app.inject({ method: 'POST', url: '/v1/admin/agencies', headers: { ...admin, ...json }, payload: '{"organId":' });
  t.equal(malformed.statusCode, 400);
  t.equal(malformed.json().code, 'LT_MALFORMED_BODY');

  // systems and staff get tokens that work at once and are stored only hashed
  const system = await hub.system(['H40', 'vxp.saas.03']);
  const staff = await hub.staff('H40.12', ['clerk', 'officer']);
  const byAlt = await app.inject({ method: 'GET', url: '/v1/agencies/H40', headers: { authorization: system.authorization } });
  t.equal(byAlt.statusCode, 200);
  t.equal(byAlt.json().organId, '000.00.00.H40');
  const list = await app.inject({ method: 'GET', url: '/v1/agencies?limit=2', headers: { authorization: staff.authorization } });
  t.equal(list.json().items.length, 2);
  t.equal(list.json().next, list.json().items[1].organId, 'paging cursor');
  const events = await hub.platform.store.readAll({ streamPrefixes: ['system-', 'staff-'] });
  const raw = JSON.stringify(events);
  t.notMatch(raw, system.authorization.slice(7), 'system token not stored');
  t.notMatch(raw, staff.authorization.slice(7), 'staff token not stored');
  t.match(events[0]!.metadata, { actor: 'admin' });

  const unknownOrg = await app.inject({
    method: 'POST',
    url: '/v1/admin/systems',
    headers: { ...admin, ...json },
    payload: { name: 's', vendor: 'v', organIds: ['H40', 'X1', 'X2'] },
  });
  t.equal(unknownOrg.statusCode, 422);
  t.same(unknownOrg.json().unknown, ['X1', 'X2'], 'names every unknown organisation');
  const staffUnknownAgency = await app.inject({
    method: 'POST',
    url: '/v1/admin/staff',
    headers: { ...admin, ...json },
    payload: { agencyId: 'X1', name: 'n', roles: ['clerk'] },
  });
  t.equal(staffUnknownAgency.statusCode, 422);

  // authentication and authorisation
  t.equal((await app.inject({ method: 'GET', url: '/v1/agencies' })).statusCode, 401, 'anonymous');
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/agencies', headers: { authorization: 'Bearer nope' } })).statusCode,
    401,
    'unknown token',
  );
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/v1/admin/agencies',
        headers: { ...json, authorization: system.authorization },
        payload: { organId: 'Z', name: 'z' },
      })
    ).statusCode,
    403,
    'system cannot write the directory',
  );
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/v1/admin/staff',
        headers: { ...json, authorization: staff.authorization },
        payload: { agencyId: 'H40', name: 'z', roles: ['leader'] },
      })
    ).statusCode,
    403,
    'staff cannot make staff',
  );
  t.equal((await app.inject({ method: 'GET', url: '/v1/agencies/NOPE', headers: admin })).statusCode, 404);

  // correlation id travels from the header into event metadata
  await app.inject({
    method: 'POST',
    url: '/v1/admin/agencies',
    headers: { ...admin, ...json, 'x-correlation-id': 'trace-123' },
    payload: { organId: 'H41', name: 'x' },
  });
  const [h41] = await hub.platform.store.readStream('agency-H41');
  t.equal(h41?.metadata.correlationId, 'trace-123');

  // resolutions are remembered, unknown ones too, until an agency identifier appears
  const directory = hub.platform.directory;
  t.equal(directory.resolveOrganId('late.9'), null);
  t.equal(directory.resolveOrganId('LATE.9'), null, 'asked twice: from memory');
  await hub.agency('LATE.1', 'Registered later', ['late.9']);
  t.equal(directory.resolveOrganId('late.9'), 'LATE.1', 'a new agency is resolved at once');
  t.equal(directory.resolveOrganId('000.00.00.h40'), '000.00.00.H40');
});

t.test('operations: health, readiness, metrics, OpenAPI, body limit, restart', async (t) => {
  const hub = await startTestHub([directoryModule], { env: { LT_MAX_BODY_MB: '0.01' }, keepDataDir: true });
  const { app, admin } = hub;
  t.equal((await app.inject('/health/live')).statusCode, 200);
  t.equal((await app.inject('/health/ready')).json().status, 'ready');
  const docs = (await app.inject('/docs/json')).json<{ paths: Record<string, unknown> }>();
  for (const path of [
    '/v1/admin/agencies',
    '/v1/agencies/{organId}',
    '/v1/admin/systems',
    '/v1/admin/staff',
    '/health/ready',
    '/v1/admin/projections',
  ])
    t.ok(docs.paths[path], `OpenAPI covers ${path}`);
  t.equal((await app.inject('/docs')).statusCode < 400, true, 'docs UI is public');

  const big = await app.inject({
    method: 'POST',
    url: '/v1/admin/agencies',
    headers: { ...admin, 'content-type': 'application/json', 'content-length': String(1024 * 1024) },
    payload: 'x'.repeat(20_000),
  });
  t.equal(big.statusCode, 413);
  t.equal(big.json().code, 'LT_BODY_TOO_LARGE');

  await hub.agency('H40');
  const metrics = await app.inject('/metrics');
  t.match(metrics.body, /lt_events_appended_total\{service="directory",type="AgencyRegistered"\} 1/);
  t.match(metrics.body, /lt_http_request_duration_seconds_bucket/);
  t.match(metrics.body, /lt_projection_lag_events\{projection="directory"\} 0/);
  const projections = await app.inject({ method: 'GET', url: '/v1/admin/projections', headers: admin });
  t.match(projections.json().items, [{ name: 'directory', lag: 0 }]);
  const rebuilt = await app.inject({ method: 'POST', url: '/v1/admin/projections/directory/rebuild', headers: admin });
  t.equal(rebuilt.statusCode, 200);
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/agencies/H40', headers: admin })).statusCode,
    200,
    'rebuilt read model answers the same',
  );
  await hub.close();

  // restart on the same data directory loses nothing
  const again = await startTestHub([directoryModule], { dataDir: hub.dataDir });
  t.teardown(() => again.close());
  t.equal((await again.app.inject({ method: 'GET', url: '/v1/agencies/H40', headers: again.admin })).statusCode, 200);

  // a store outage answers 503 problem+json, never a crash
  await again.platform.store.close();
  const ready = await again.app.inject('/health/ready');
  t.equal(ready.statusCode, 503);
  t.equal(ready.headers['content-type'], 'application/problem+json; charset=utf-8');
  const write = await again.app.inject({
    method: 'POST',
    url: '/v1/admin/agencies',
    headers: { ...again.admin, 'content-type': 'application/json' },
    payload: { organId: 'H42', name: 'x' },
  });
  t.equal(write.statusCode, 503);
});

t.test('credentials: rotation and revocation take effect at once, also for remembered tokens, and survive a restart', async (t) => {
  let hub = await startTestHub([directoryModule], { keepDataDir: true });
  const dataDir = hub.dataDir;
  t.teardown(() => hub.close());
  await hub.agency('H40');
  const system = await hub.system(['H40']);
  const staff = await hub.staff('H40', ['clerk']);
  const call = (authorization: string) =>
    hub.app.inject({ method: 'GET', url: '/v1/agencies', headers: { authorization } }).then((r) => r.statusCode);
  const admin = (method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: hub.admin, ...(payload ? { payload } : {}) });
  t.equal(await call(system.authorization), 200, 'the token works (and is now remembered by the authenticator)');
  t.equal(await call(staff.authorization), 200);

  // rotation: a new token, shown once; the old one is refused on the very next request
  const rotated = await admin('POST', `/v1/admin/systems/${system.systemId}/token`);
  t.equal(rotated.statusCode, 201, rotated.body);
  t.equal(rotated.headers['cache-control'], 'no-store');
  const fresh = `Bearer ${rotated.json().token as string}`;
  t.not(fresh, system.authorization);
  t.equal(await call(system.authorization), 401, 'the rotated-away token is refused');
  t.equal(await call(fresh), 200, 'the new token works at once');
  const record = await admin('GET', `/v1/admin/systems/${system.systemId}`);
  t.match(record.json(), { systemId: system.systemId, organIds: ['H40'], revokedAt: null, tokenIssuedAt: String });
  t.notOk('token' in record.json() || 'tokenHash' in record.json(), 'neither the token nor its hash is shown again');

  // revocation: for good, idempotent, the record stays
  const revoked = await admin('POST', `/v1/admin/systems/${system.systemId}/revoke`, { reason: 'token leaked' });
  t.equal(revoked.statusCode, 200, revoked.body);
  t.type(revoked.json().revokedAt, 'string');
  t.equal(await call(fresh), 401, 'a revoked system is refused');
  const again = await admin('POST', `/v1/admin/systems/${system.systemId}/revoke`);
  t.equal(again.statusCode, 200, again.body);
  t.equal(again.json().revokedAt, revoked.json().revokedAt, 'revoking again changes nothing');
  const rotateRevoked = await admin('POST', `/v1/admin/systems/${system.systemId}/token`);
  t.equal(rotateRevoked.statusCode, 409, 'a revoked system gets no new token');
  const events = await hub.platform.store.readStream(`system-${system.systemId}`);
  t.same(
    events.map((e) => e.type),
    ['SystemRegistered', 'SystemTokenRotated', 'SystemRevoked'],
  );
  t.match(events[2]!.data, { reason: 'token leaked' });

  // staff the same way
  const staffRotated = await admin('POST', `/v1/admin/staff/${staff.staffId}/token`);
  t.equal(staffRotated.statusCode, 201);
  const staffFresh = `Bearer ${staffRotated.json().token as string}`;
  t.equal(await call(staff.authorization), 401);
  t.equal(await call(staffFresh), 200);
  t.equal((await admin('POST', `/v1/admin/staff/${staff.staffId}/revoke`, { reason: 'left the agency' })).statusCode, 200);
  t.equal(await call(staffFresh), 401);

  // admins list systems and staff (paged, never a token or its hash)
  const other = await hub.system(['H40']);
  const systems = await admin('GET', '/v1/admin/systems?limit=1');
  t.equal(systems.statusCode, 200);
  t.equal(systems.json().items.length, 1);
  const rest = await admin('GET', `/v1/admin/systems?limit=10&after=${systems.json().next as string}`);
  const listed = [...systems.json().items, ...rest.json().items] as Array<{ systemId: string; revokedAt: string | null }>;
  t.same(listed.map((x) => x.systemId).sort(), [system.systemId, other.systemId].sort(), 'both systems, over two pages');
  t.type(listed.find((x) => x.systemId === system.systemId)!.revokedAt, 'string', 'the revoked one says so');
  t.notMatch(systems.body + rest.body, /token"|tokenHash|token_hash/, 'no token in a listing');
  const staffList = await admin('GET', '/v1/admin/staff?agencyId=h40');
  t.same(
    staffList.json().items.map((x: { staffId: string }) => x.staffId),
    [staff.staffId],
    'staff of an agency, by any of its identifiers',
  );
  t.equal((await admin('GET', '/v1/admin/staff?agencyId=NOPE')).statusCode, 404);
  t.equal(
    (await hub.app.inject({ method: 'GET', url: '/v1/admin/systems', headers: { authorization: other.authorization } })).statusCode,
    403,
  );

  // who may, and what does not exist
  for (const url of [`/v1/admin/systems/${other.systemId}/token`, `/v1/admin/staff/${staff.staffId}/revoke`])
    t.equal(
      (await hub.app.inject({ method: 'POST', url, headers: { authorization: other.authorization } })).statusCode,
      403,
      `a system cannot ${url}`,
    );
  t.equal((await admin('POST', '/v1/admin/systems/00000000-0000-0000-0000-000000000000/token')).statusCode, 404);
  t.equal((await admin('GET', '/v1/admin/staff/nobody')).statusCode, 404);
  const badReason = await admin('POST', `/v1/admin/staff/${staff.staffId}/revoke`, { reason: '' });
  t.equal(badReason.statusCode, 400);

  // after a restart on the same data: still revoked, the rotated token still the one that works
  await hub.close();
  hub = await startTestHub([directoryModule], { dataDir });
  t.teardown(() => import('node:fs').then((fs) => fs.rmSync(dataDir, { recursive: true, force: true })));
  t.equal(await call(fresh), 401, 'revoked after a restart');
  t.equal(await call(staffFresh), 401);
  t.equal(await call(other.authorization), 200, 'untouched credentials keep working');
});

t.test('directory: identifier claims under concurrent, refused and crashed registrations', async (t) => {
  const hub = await startTestHub([directoryModule]);
  t.teardown(() => hub.close());
  const register = (payload: object) => hub.app.inject({ method: 'POST', url: '/v1/admin/agencies', headers: hub.admin, payload });

  // two registrations racing for one alternative id: one gets it, the other is refused
  for (let round = 0; round < 5; round++) {
    const [a, b] = await Promise.all([
      register({ organId: `RACE.A${round}`, name: 'A', altIds: [`SHARED.${round}`] }),
      register({ organId: `RACE.B${round}`, name: 'B', altIds: [`SHARED.${round}`] }),
    ]);
    t.same([a.statusCode, b.statusCode].sort(), [201, 409], `round ${round}: one of ${a.statusCode}/${b.statusCode}`);
    const winner = a.statusCode === 201 ? `RACE.A${round}` : `RACE.B${round}`;
    t.equal(
      (await hub.app.inject({ url: `/v1/agencies/SHARED.${round}`, headers: hub.admin })).json().organId,
      winner,
      'the shared id names the winner',
    );
  }

  // a duplicate registration gives back the new alternative ids it claimed, keeps the old ones
  t.equal((await register({ organId: 'DUP.1', name: 'first', altIds: ['DUP.OLD'] })).statusCode, 201);
  t.equal((await register({ organId: 'DUP.1', name: 'again', altIds: ['DUP.OLD', 'DUP.NEW'] })).statusCode, 409);
  t.equal((await register({ organId: 'OTHER.1', name: 'takes the new one', altIds: ['DUP.NEW'] })).statusCode, 201, 'DUP.NEW was released');
  t.equal(
    (await register({ organId: 'OTHER.2', name: 'cannot take the old one', altIds: ['DUP.OLD'] })).statusCode,
    409,
    "DUP.OLD still DUP.1's",
  );

  // a claim left by a registration that crashed before its agency: held for a minute, then taken over
  const claimOf = (id: string, at: Date) =>
    hub.platform.store.append(`organid-${id.toUpperCase()}`, [
      {
        type: 'OrganIdReserved',
        data: { id, organId: 'CRASHED.1' },
        metadata: { correlationId: 'c', actor: 'admin', at: at.toISOString() },
      },
    ]);
  await claimOf('YOUNG.1', new Date());
  t.equal(
    (await register({ organId: 'NEXT.1', name: 'x', altIds: ['YOUNG.1'] })).statusCode,
    409,
    'a young claim may be a registration in progress',
  );
  await claimOf('OLD.1', new Date(Date.now() - 120_000));
  t.equal(
    (await register({ organId: 'NEXT.2', name: 'x', altIds: ['OLD.1'] })).statusCode,
    201,
    'a claim older than a minute with no agency is stale',
  );
});
