import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { RawConnection } from './test/raw-http.js';
import { createTestApp } from './test/test-app.js';

async function listening(t: Test): Promise<{ app: FastifyInstance; port: number }> {
  const app = await createTestApp();
  app.get('/items/:id', { config: { auth: 'public' } }, async (request) => ({ id: (request.params as { id: string }).id }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  return { app, port: (app.server.address() as { port: number }).port };
}

const longUrl = `/items/${'a'.repeat(17 * 1024)}`;

t.test('HEAD with a URL over the header limit: 431 problem+json without a body, after a kept-alive exchange', async (t) => {
  const { port } = await listening(t);
  const connection = await RawConnection.open(port);
  t.teardown(() => connection.close());
  await connection.write('GET /items/1 HTTP/1.1\r\nhost: x\r\n\r\n');
  t.equal((await connection.readResponse()).status, 200);
  await connection.write('HEAD /nowhere HTTP/1.1\r\nhost: x\r\n\r\n');
  const missing = await connection.readResponse({ head: true });
  t.equal(missing.status, 404);
  t.equal(missing.headers['content-type'], PROBLEM_CONTENT_TYPE);
  await connection.write('GET /items/2 HTTP/1.1\r\nhost: x\r\n\r\n');
  t.same(
    JSON.parse((await connection.readResponse()).body.toString()),
    { id: '2' },
    'the HEAD answer had no body: the next answer reads clean',
  );

  await connection.write(`HEAD ${longUrl} HTTP/1.1\r\nhost: x\r\n\r\n`);
  const refused = await connection.readResponse({ head: true });
  t.equal(refused.status, 431);
  t.equal(refused.headers['content-type'], PROBLEM_CONTENT_TYPE);
  t.equal(refused.headers.connection, 'close');
  t.match(refused.headers['x-correlation-id'], /^[0-9a-f-]{36}$/);
  t.equal((await connection.rest()).toString(), '', 'no body after the head, and the server closed');
});

t.test('GET with a URL over the header limit: 431 problem+json naming the limit', async (t) => {
  const { port } = await listening(t);
  const connection = await RawConnection.open(port);
  t.teardown(() => connection.close());
  await connection.write(`GET ${longUrl} HTTP/1.1\r\nhost: x\r\n\r\n`);
  const refused = await connection.readResponse();
  t.equal(refused.status, 431);
  t.equal(refused.headers['content-type'], PROBLEM_CONTENT_TYPE);
  const problem = JSON.parse(refused.body.toString());
  t.match(problem, {
    status: 431,
    code: 'LT_HEADERS_TOO_LARGE',
    type: 'urn:lienthong:problem:headers-too-large',
    detail: /larger than \d+ bytes/,
  });
  t.equal(problem.correlationId, refused.headers['x-correlation-id']);
  t.equal((await connection.rest()).length, 0);
});

t.test("requests Node's parser refuses are 400 problem+json", async (t) => {
  const { port } = await listening(t);
  for (const request of [
    'GET /items/1 HTTP/1.1\r\nhost x\r\n\r\n',
    'G@T /items/1 HTTP/1.1\r\n\r\n',
    'POST /items/1 HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
  ]) {
    const connection = await RawConnection.open(port);
    t.teardown(() => connection.close());
    await connection.write(request);
    const refused = await connection.readResponse();
    t.equal(refused.status, 400, JSON.stringify(request));
    t.equal(refused.headers['content-type'], PROBLEM_CONTENT_TYPE);
    t.match(JSON.parse(refused.body.toString()), {
      status: 400,
      code: 'LT_MALFORMED_REQUEST',
      detail: /^malformed HTTP request: Parse Error: /,
    });
  }
});

t.test("URLs Fastify's router refuses are problem+json (and bodiless for HEAD)", async (t) => {
  const { port } = await listening(t);
  const badUrl = await fetch(`http://127.0.0.1:${port}/items/%E0%A4%A`);
  t.equal(badUrl.status, 400);
  t.equal(badUrl.headers.get('content-type'), PROBLEM_CONTENT_TYPE);
  t.match(await badUrl.json(), { status: 400, code: 'LT_MALFORMED_REQUEST', detail: /URL is not valid/ });
  const longParam = await fetch(`http://127.0.0.1:${port}/items/${'b'.repeat(101)}`);
  t.equal(longParam.status, 414);
  t.equal(longParam.headers.get('content-type'), PROBLEM_CONTENT_TYPE);
  t.match(await longParam.json(), { status: 414, code: 'LT_URI_TOO_LONG' });

  const connection = await RawConnection.open(port);
  t.teardown(() => connection.close());
  await connection.write('HEAD /items/%E0%A4%A HTTP/1.1\r\nhost: x\r\n\r\n');
  const head = await connection.readResponse({ head: true });
  t.equal(head.status, 400);
  t.equal(head.headers['content-type'], PROBLEM_CONTENT_TYPE);
  await connection.write('GET /items/3 HTTP/1.1\r\nhost: x\r\n\r\n');
  t.same(
    JSON.parse((await connection.readResponse()).body.toString()),
    { id: '3' },
    'no body after the HEAD answer; the connection still serves',
  );
});

t.test('an HTTP/1.1 request without Host: 400 problem+json naming the header', async (t) => {
  const { port } = await listening(t);
  const connection = await RawConnection.open(port);
  t.teardown(() => connection.close());
  await connection.write('GET /items/1 HTTP/1.1\r\n\r\n');
  const refused = await connection.readResponse();
  t.equal(refused.status, 400);
  t.equal(refused.headers['content-type'], PROBLEM_CONTENT_TYPE);
  t.match(JSON.parse(refused.body.toString()), { status: 400, code: 'LT_MALFORMED_REQUEST', errors: [{ path: 'headers/host' }] });
});
