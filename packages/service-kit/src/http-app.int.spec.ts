import t from 'tap';
import { createLogger } from './logger.js';
import { createTestApp } from './test/test-app.js';

async function app(trustProxy?: string) {
  const app = await createTestApp(trustProxy ? { trustProxy } : {});
  app.get('/ip', { config: { auth: 'public' } }, async (request) => ({ ip: request.ip }));
  return app;
}

t.test('client address: X-Forwarded-For believed only from a trusted proxy', async (t) => {
  const trusting = await app('127.0.0.1');
  const direct = await app();
  t.teardown(() => Promise.all([trusting.close(), direct.close()]));
  const headers = { 'x-forwarded-for': '203.0.113.7' };
  t.equal((await trusting.inject({ url: '/ip', headers, remoteAddress: '127.0.0.1' })).json().ip, '203.0.113.7');
  t.equal(
    (await trusting.inject({ url: '/ip', headers, remoteAddress: '198.51.100.1' })).json().ip,
    '198.51.100.1',
    'untrusted peer ignored',
  );
  t.equal((await direct.inject({ url: '/ip', headers, remoteAddress: '127.0.0.1' })).json().ip, '127.0.0.1', 'no proxy trusted by default');
});

t.test('a route without an auth declaration is admin-only', async (t) => {
  const a = await app();
  a.get('/undeclared', async () => ({ secret: true }));
  t.teardown(() => a.close());
  t.equal((await a.inject('/undeclared')).statusCode, 401);
  t.equal((await a.inject({ url: '/undeclared', headers: { authorization: 'Bearer test-admin-token-0123456789' } })).statusCode, 200);
  const missing = await a.inject('/nowhere');
  t.equal(missing.statusCode, 404, 'unknown routes answer 404 to anyone');
  t.equal(missing.headers['content-type'], 'application/problem+json; charset=utf-8');
});

t.test("request logs carry the caller's correlation id, or a fresh one echoed back", async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const logged = await createTestApp({
    logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } }),
  });
  logged.get('/hello', { config: { auth: 'public' } }, async (request) => {
    request.log.info('inside the handler');
    return { ok: true };
  });
  t.teardown(() => logged.close());
  const given = await logged.inject({ url: '/hello', headers: { 'x-correlation-id': 'case-42' } });
  t.equal(given.headers['x-correlation-id'], 'case-42');
  const mine = lines.filter((l) => l.correlationId === 'case-42').map((l) => l.msg);
  t.same(mine, ['inside the handler', 'request completed'], 'one line per request at info, when answered');
  const completed = lines.find((l) => l.correlationId === 'case-42' && l.msg === 'request completed')!;
  t.match(
    completed,
    { req: { method: 'GET', url: '/hello' }, res: { statusCode: 200 }, responseTime: Number },
    'it names the request and its answer',
  );
  t.notOk(
    lines.some((l) => 'reqId' in l),
    "no line labelled with Fastify's default reqId",
  );
  const fresh = await logged.inject({ url: '/hello', headers: { 'x-correlation-id': 'not valid!' } });
  const id = fresh.headers['x-correlation-id'] as string;
  t.match(id, /^[0-9a-f-]{36}$/, 'an invalid id is replaced by a UUID');
  t.ok(lines.some((l) => l.correlationId === id && l.msg === 'inside the handler'));
});
