import t from 'tap';
import { createHttpApp } from './http-app.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';

async function app(trustProxy?: string) {
  const app = await createHttpApp({
    title: 'test',
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    maxBodyBytes: 1024,
    readiness: [],
    auth: { adminToken: 'test-admin-token-0123456789', resolveToken: () => null },
    ...(trustProxy ? { trustProxy } : {}),
  });
  app.get('/ip', { config: { auth: 'public' } }, async (request) => ({ ip: request.ip }));
  return app;
}

t.test('client address: X-Forwarded-For believed only from a trusted proxy', async (t) => {
  const trusting = await app('127.0.0.1');
  const direct = await app();
  t.teardown(() => Promise.all([trusting.close(), direct.close()]));
  const headers = { 'x-forwarded-for': '203.0.113.7' };
  t.equal((await trusting.inject({ url: '/ip', headers, remoteAddress: '127.0.0.1' })).json().ip, '203.0.113.7');
  t.equal((await trusting.inject({ url: '/ip', headers, remoteAddress: '198.51.100.1' })).json().ip, '198.51.100.1', 'untrusted peer ignored');
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
