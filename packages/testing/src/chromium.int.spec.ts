import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import t from 'tap';
import { launchChromium, requireChromium } from './chromium.js';

t.test('launchChromium: a fresh profile, Vietnamese locale, sized pages; close removes the profile', async (t) => {
  if (!requireChromium(t)) return;
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(`<!doctype html><title>x</title><p id="lang">${request.headers['accept-language'] ?? ''}</p>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const { port } = server.address() as { port: number };

  const first = await launchChromium();
  const second = await launchChromium();
  t.teardown(() => Promise.all([first.close(), second.close()]));
  t.not(first.profileDir, second.profileDir, 'each launch its own profile');
  t.ok(existsSync(first.profileDir));
  const page = await first.newPage({ width: 390, height: 844 });
  await page.goto(`http://127.0.0.1:${port}/`);
  t.strictSame(page.viewportSize(), { width: 390, height: 844 });
  t.match(await page.locator('#lang').innerText(), /^vi-VN/, 'Accept-Language from the locale');
  t.equal(await page.evaluate('navigator.language'), 'vi-VN');
  await first.close();
  await first.close(); // idempotent
  t.notOk(existsSync(first.profileDir), 'the profile directory is removed on close');
  t.ok(existsSync(second.profileDir), "another browser's profile stays");
});
