import t from 'tap';
import { createTestApp } from './test/test-app.js';

/** A route with a schema for each part; it answers what it received, after validation. */
async function app() {
  const app = await createTestApp();
  app.addSchema({
    $id: 'test/thing',
    type: 'object',
    additionalProperties: false,
    properties: { n: { type: 'integer' }, s: { type: 'string' } },
  });
  app.post(
    '/echo/:id',
    {
      config: { auth: 'public' },
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer' } } },
        querystring: { type: 'object', properties: { limit: { type: 'integer' }, tag: { type: 'array', items: { type: 'string' } } } },
        headers: { type: 'object', properties: { 'X-Count': { type: 'integer' } } },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            n: { type: 'integer' },
            s: { type: 'string' },
            list: { type: 'array', items: { type: 'string' } },
            thing: { $ref: 'test/thing#' },
            d: { type: 'string', default: 'filled' },
          },
        },
      },
    },
    async (request) => ({ params: request.params, query: request.query, count: request.headers['x-count'], body: request.body }),
  );
  return app;
}

t.test('text parts (query, params, headers) are coerced; a JSON body is checked as sent', async (t) => {
  const a = await app();
  t.teardown(() => a.close());
  const post = (body: unknown, url = '/echo/7') => a.inject({ method: 'POST', url, payload: body as object });

  const ok = await a.inject({
    method: 'POST',
    url: '/echo/7?limit=5&tag=x',
    headers: { 'x-count': '3' },
    payload: { n: 12, s: 'a', list: ['x'], thing: { n: 1 } },
  });
  t.equal(ok.statusCode, 200, ok.body);
  t.strictSame(
    ok.json(),
    { params: { id: 7 }, query: { limit: 5, tag: ['x'] }, count: 3, body: { n: 12, s: 'a', list: ['x'], thing: { n: 1 }, d: 'filled' } },
    'numbers and a one-item list from text; defaults filled',
  );

  const paths = async (body: unknown) => {
    const res = await post(body);
    t.equal(res.statusCode, 400, JSON.stringify(body));
    t.equal(res.json().code, 'LT_VALIDATION');
    return (res.json().errors as { path: string }[]).map((e) => e.path);
  };
  t.strictSame(await paths({ n: '12' }), ['body/n'], 'text is no number');
  t.strictSame(await paths({ s: 5 }), ['body/s'], 'a number is no text');
  t.strictSame(await paths({ s: true }), ['body/s'], 'a boolean is no text');
  t.strictSame(await paths({ s: ['x'] }), ['body/s'], 'a one-item list is no text');
  t.strictSame(await paths({ list: 'x' }), ['body/list'], 'a text is no list');
  t.strictSame(await paths({ thing: { n: '1' } }), ['body/thing/n'], 'a shared schema ($ref) is checked as strictly');

  const badQuery = await post({}, '/echo/7?limit=five');
  t.equal(badQuery.statusCode, 400);
  t.strictSame(
    badQuery.json().errors.map((e: { path: string }) => e.path),
    ['querystring/limit'],
    'text that is no number is still refused',
  );
});
