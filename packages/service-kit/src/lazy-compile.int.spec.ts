import Fastify, { type FastifyInstance } from 'fastify';
import t from 'tap';
import { createLogger } from './logger.js';
import { lazyCompilers, warmAfterListen, type LazyCompilers } from './lazy-compile.js';

const problem = { type: 'object', properties: { statusCode: { type: 'integer' }, message: { type: 'string' } } } as const;
const body = { type: 'object', required: ['n'], additionalProperties: false, properties: { n: { type: 'integer', minimum: 1 } } } as const;
const answer = { type: 'object', properties: { n: { type: 'integer' }, route: { type: 'string' } } } as const;

/** An app whose compilers are the lazy ones, with `routes` routes declaring equal (but not identical) schemas. */
async function appWith(routes: number, warmDelayMs?: number): Promise<{ app: FastifyInstance; compilers: LazyCompilers }> {
  const compilers = lazyCompilers();
  const app = Fastify({
    schemaController: { compilersFactory: { buildValidator: compilers.buildValidator, buildSerializer: compilers.buildSerializer } },
  });
  if (warmDelayMs !== undefined) warmAfterListen(app, compilers, createLogger({ level: 'silent' }), warmDelayMs);
  for (let i = 0; i < routes; i++) {
    app.post(
      `/r${i}`,
      // Each route its own copies: sharing is by the schema's content, not by the object.
      { schema: { body: structuredClone(body), response: { 200: structuredClone(answer), 400: structuredClone(problem) } } },
      async (request) => ({ n: (request.body as { n: number }).n, route: `r${i}`, dropped: 'not in the schema' }),
    );
  }
  await app.ready();
  return { app, compilers };
}

t.test('routes declaring equal schemas share one compiled validator and serializer per part', async (t) => {
  const { app, compilers } = await appWith(20);
  t.teardown(() => app.close());
  t.equal(compilers.compiled(), 0, 'nothing is compiled before it is needed');
  await compilers.warm(createLogger({ level: 'silent' }));
  t.equal(compilers.pending(), 0);
  // One body validator, one 200 serializer and one 400 serializer for the 20 routes.
  t.equal(compilers.compiled(), 3);
});

t.test('a shared function still answers each route for its own request, valid and invalid interleaved', async (t) => {
  const { app, compilers } = await appWith(3);
  t.teardown(() => app.close());
  const bad = await app.inject({ method: 'POST', url: '/r0', payload: { n: 0, extra: true } });
  const good = await app.inject({ method: 'POST', url: '/r1', payload: { n: 7 } });
  const bad2 = await app.inject({ method: 'POST', url: '/r2', payload: { n: 'x' } });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { message: /must be >= 1|must NOT have additional properties/ });
  t.equal(good.statusCode, 200);
  t.same(good.json(), { n: 7, route: 'r1' }, 'serialized by the shared 200 serializer, unknown fields left out');
  t.equal(bad2.statusCode, 400);
  t.match(bad2.json(), { message: /must be integer/ });
  t.ok(compilers.compiled() <= 3, `${compilers.compiled()} functions compiled for three routes`);
});

t.test('once listening, the background compiling waits its delay (the first requests answered meanwhile), then compiles all', async (t) => {
  const { app, compilers } = await appWith(3, 300);
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const first = await fetch(`http://127.0.0.1:${port}/r0`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"n":2}',
  });
  t.equal(first.status, 200);
  t.equal(compilers.compiled(), 2, 'only what the first request used is compiled before the delay');
  t.ok(compilers.pending() > 0, 'the rest still waits');
  const until = Date.now() + 5_000;
  while (compilers.pending() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  t.equal(compilers.pending(), 0, 'compiled in the background after the delay');
  t.equal(compilers.compiled(), 3);
});
