import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { servePages } from './pages.js';
import { createTestApp } from './test/test-app.js';

const dir = mkdtempSync(join(tmpdir(), 'lt-pages-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'page.html'), '<!doctype html><title>x</title>');
writeFileSync(join(dir, 'page.js'), 'console.log(1);');
writeFileSync(join(dir, 'lib.css'), 'b{}');

t.test('pages and assets: public, strict CSP, their media types, an unknown asset a 404 problem', async (t) => {
  const app = await createTestApp({});
  t.teardown(() => app.close());
  await app.register(servePages, {
    dir,
    pages: { '/p': 'page.html' },
    assetsAt: '/assets/p',
    assets: { 'page.js': 'page.js', 'lib.css': { file: join(dir, 'lib.css'), version: '1.2.3' } },
  });
  const page = await app.inject('/p');
  t.equal(page.statusCode, 200, 'no token needed');
  t.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  t.equal(page.headers['cache-control'], 'no-cache');
  t.match(page.headers['content-security-policy'], /default-src 'none'; script-src 'self'/);
  t.equal(page.headers['x-content-type-options'], 'nosniff');
  const script = await app.inject('/assets/p/page.js');
  t.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
  t.equal(script.body, 'console.log(1);');
  t.equal(script.headers['x-lienthong-asset-version'], undefined);
  const css = await app.inject('/assets/p/lib.css');
  t.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  t.equal(css.headers['x-lienthong-asset-version'], '1.2.3');
  const missing = await app.inject('/assets/p/..%2Fpage.html');
  t.equal(missing.statusCode, 404);
  t.equal(missing.headers['content-type'], 'application/problem+json; charset=utf-8');
});

t.test('a missing file or an asset of unknown type fails at registration, not on a request', async (t) => {
  const register = (options: Parameters<typeof servePages>[1]) => async () => {
    const app = await createTestApp({});
    t.teardown(() => app.close());
    await app.register(servePages, options);
    await app.ready();
  };
  await t.rejects(register({ dir, pages: { '/q': 'absent.html' }, assetsAt: '/a', assets: {} }), /ENOENT/);
  await t.rejects(register({ dir, pages: {}, assetsAt: '/a', assets: { 'page.exe': 'page.js' } }), /no media type for asset page\.exe/);
});
