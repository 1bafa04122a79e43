import t from 'tap';
import { startTestHub } from '@lienthong/platform/testing';
import { ErrorCodes, PROBLEM_CONTENT_TYPE, type ErrorCode } from '@lienthong/service-kit';
import { allModules } from './modules.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
interface Probe {
  readonly method: Method;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string;
}

/**
 * Every route the hub serves (its OpenAPI document, plus the WebSocket and operational routes it
 * leaves out) with bad input of every kind: whatever is refused must be problem+json whose
 * `status` is the HTTP status (RFC 9457), under a catalogued code of that status, and never a 5xx.
 */
t.test('every error path answers problem+json whose status is the HTTP status', async (t) => {
  const hub = await startTestHub(allModules);
  t.teardown(() => hub.close());
  await hub.agency('000.00.01.H01');
  const system = await hub.system(['000.00.01.H01']);
  const clerk = await hub.staff('000.00.01.H01', ['clerk']);
  const callers: Record<string, Record<string, string>> = {
    anonymous: {},
    admin: hub.admin,
    system,
    clerk: { authorization: clerk.authorization },
  };

  const openapi = (await hub.app.inject('/docs/json')).json<{ paths: Record<string, Record<string, unknown>> }>();
  const routes = Object.entries(openapi.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((m) => ({ method: m.toUpperCase() as Method, path })),
  );
  routes.push({ method: 'GET', path: '/v1/stream' }, { method: 'GET', path: '/v1/track/live' }, { method: 'GET', path: '/metrics' });
  t.ok(routes.length >= 40, `${routes.length} routes walked`);
  for (const path of [
    '/v1/public/dossiers',
    '/v1/public/dossiers/{code}',
    '/v1/public/dossiers/{code}/supplement',
    '/v1/public/dossiers/{code}/withdraw',
    '/v1/public/dossiers/{code}/result/{sha256}',
    '/v1/public/agencies',
  ])
    t.ok(
      routes.some((r) => r.path === path),
      `the citizens' route ${path} is walked`,
    );

  const probes: Probe[] = [];
  for (const { method, path } of routes) {
    // a plain unknown value, one over Fastify's parameter length, one that does not decode
    for (const value of ['x', 'y'.repeat(150), '%E0%A4%A']) {
      const url = path.replace(/\{[^}]+\}/g, value);
      for (const headers of Object.values(callers)) {
        if (method === 'GET' || method === 'DELETE') {
          probes.push({ method, url, headers });
          probes.push({ method, url: `${url}?limit=-1&after=%ZZ&from=nope&to=nope&status=nope&agencyId=nope&pin=1&year=x`, headers });
          if (method === 'GET') probes.push({ method: 'HEAD', url, headers });
        } else {
          const json = { ...headers, 'content-type': 'application/json' };
          probes.push({ method, url, headers: json, payload: '{"unexpected": true}' });
          probes.push({ method, url, headers: json, payload: '{' });
          probes.push({ method, url, headers: json, payload: '[]' });
          probes.push({ method, url, headers: { ...headers, 'content-type': 'text/plain' }, payload: 'x' });
          probes.push({ method, url, headers: { ...headers, 'content-type': 'application/xml' }, payload: '<edXMLEnvelope' });
          // a multipart body cut short, and one without its boundary
          const multipart = 'multipart/form-data; boundary=lt';
          probes.push({
            method,
            url,
            headers: { ...headers, 'content-type': multipart },
            payload: '--lt\r\nContent-Disposition: form-data; name="application"\r\n\r\n{',
          });
          probes.push({ method, url, headers: { ...headers, 'content-type': 'multipart/form-data' }, payload: 'x' });
          probes.push({ method, url, headers });
        }
      }
    }
  }
  // A refusal of the domain: an agency registered twice (409).
  probes.push({
    method: 'POST',
    url: '/v1/admin/agencies',
    headers: { ...hub.admin, 'content-type': 'application/json' },
    payload: JSON.stringify({ organId: '000.00.01.H01', name: 'again' }),
  });

  const seen = new Map<number, number>();
  for (const probe of probes) {
    const res = await hub.app.inject({
      method: probe.method,
      url: probe.url,
      headers: probe.headers,
      ...(probe.payload !== undefined ? { payload: probe.payload } : {}),
    });
    const what = `${probe.method} ${probe.url.slice(0, 80)} ${probe.payload ?? ''} → ${res.statusCode}`;
    t.ok(res.statusCode < 500, `no server error: ${what} ${res.body.slice(0, 200)}`);
    if (res.statusCode < 400) continue;
    seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
    t.equal(res.headers['content-type'], PROBLEM_CONTENT_TYPE, what);
    if (probe.method === 'HEAD') {
      t.equal(res.body, '', `HEAD answers have no body: ${what}`);
      continue;
    }
    const problem = res.json<{ status: unknown; code: ErrorCode; type: unknown }>();
    t.equal(problem.status, res.statusCode, `status member is the HTTP status: ${what}`);
    t.equal(ErrorCodes[problem.code]?.status, res.statusCode, `${problem.code} is a catalogued code of that status: ${what}`);
  }
  t.ok(probes.length > 1000, `${probes.length} requests`);
  for (const status of [400, 401, 403, 404, 409, 414, 415, 426])
    t.ok((seen.get(status) ?? 0) > 0, `${status} reached (${JSON.stringify([...seen])})`);
});

t.test('refused by the HTTP parser on a real socket: 431 problem+json, bodiless for HEAD', async (t) => {
  const hub = await startTestHub(allModules);
  t.teardown(() => hub.close());
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(hub.app.server.address() as { port: number }).port}`;
  const long = `${base}/v1/agencies?q=${'z'.repeat(17 * 1024)}`;
  const get = await fetch(long);
  t.equal(get.status, 431);
  t.equal(get.headers.get('content-type'), PROBLEM_CONTENT_TYPE);
  t.match(await get.json(), { status: 431, code: 'LT_HEADERS_TOO_LARGE' });
  const head = await fetch(long, { method: 'HEAD' });
  t.equal(head.status, 431);
  t.equal(head.headers.get('content-type'), PROBLEM_CONTENT_TYPE);
  t.equal(await head.text(), '');
});
