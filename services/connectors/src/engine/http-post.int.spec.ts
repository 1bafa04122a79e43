import { createServer, type Server } from 'node:http';
import t from 'tap';
import { createPoster, PostFailure } from './http-post.js';

async function listen(t: { teardown(fn: () => unknown): void }, handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

const limits = { timeoutMs: 500, maxResponseBytes: 1024 };
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => (error instanceof PostFailure ? error.reason : String(error)),
  );

t.test('a host name is resolved through the SSRF guard at connection time (undici pool)', async (t) => {
  const port = await listen(t, (req, res) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  const allowed = createPoster({ allowLoopback: true, hubPort: undefined }, limits, 2);
  t.teardown(() => allowed.close());
  const answer = await allowed.post(new URL(`http://localhost:${port}/hook?x=1`), { 'x-test': 'yes' }, '{"a":1}');
  t.equal(answer.status, 200);
  t.equal(answer.body, '{"ok":true}');
  t.equal(answer.headers['content-length'], '11', 'answer headers on demand');

  const guarded = createPoster({ allowLoopback: false, hubPort: undefined }, limits, 2);
  t.teardown(() => guarded.close());
  t.equal(await failureOf(guarded.post(new URL(`http://localhost:${port}/hook`), {}, '{}')), 'unsafe-address', 'localhost refused');
  t.equal(await failureOf(guarded.post(new URL(`http://127.0.0.1:${port}/hook`), {}, '{}')), 'unsafe-address', 'a literal refused');
  t.equal(await failureOf(guarded.post(new URL('http://169.254.169.254/latest'), {}, '{}')), 'unsafe-address', 'metadata refused');
});

t.test('time and size limits; the stop cuts requests in flight', async (t) => {
  const port = await listen(t, (req, res) => {
    req.resume();
    if (req.url === '/big') {
      res.write('x'.repeat(64 * 1024));
      return; // and never ends
    }
    if (req.url === '/hang') return; // never answers
    res.end('{}');
  });
  const poster = createPoster({ allowLoopback: true, hubPort: undefined }, limits, 4);
  t.teardown(() => poster.close());
  const big = await poster.post(new URL(`http://127.0.0.1:${port}/big`), {}, '{}');
  t.equal(big.truncated, true, 'an answer over the limit is cut');
  t.equal(big.body.length, 1024, 'and only the limit is kept');
  const started = Date.now();
  t.equal(await failureOf(poster.post(new URL(`http://127.0.0.1:${port}/hang`), {}, '{}')), 'timeout');
  t.ok(Date.now() - started < 2_000, 'cut at the time limit');
  const stop = new AbortController();
  const inFlight = failureOf(poster.post(new URL(`http://127.0.0.1:${port}/hang`), {}, '{}', stop.signal));
  setTimeout(() => stop.abort(), 50);
  t.equal(await inFlight, 'aborted', 'the stop cuts it');
  t.equal((await poster.post(new URL(`http://127.0.0.1:${port}/ok`), {}, '{}')).status, 200, 'the pool still delivers');
  t.equal(await failureOf(poster.post(new URL('http://127.0.0.1:1/'), {}, '{}')), 'refused', 'nobody listening: refused');
});
