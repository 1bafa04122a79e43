import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { chromium, type Browser } from 'playwright-core';
import { eventually } from '@lienthong/testing';
import { seedRegime, seedTree, startReportingHub, testClock } from './test/reporting-hub.js';

const CHROMIUM = '/usr/bin/chromium';
const artifacts = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts', 'reporting');
const full = (pop: number) => ({
  values: { pop, households: 100, poorHouseholds: 10, schoolRate: 90, minRain: 5, maxRain: 9, note: 'ổn định' },
});

if (!existsSync(CHROMIUM)) {
  if (process.env.CI) t.fail(`${CHROMIUM} is missing (CI is set)`);
  else t.plan(0, `${CHROMIUM} is missing: browser tests skipped`);
} else {
  t.test('/bao-cao in headless Chromium: the tree with states, overdue in red, the aggregate and a chart', async (t) => {
    mkdirSync(artifacts, { recursive: true });
    const clock = testClock('2027-01-05T03:00:00.000Z');
    const hub = await startReportingHub(clock.now);
    t.teardown(() => hub.close());
    const { leader, clerk } = await seedTree(hub);
    await seedRegime(hub);
    // two periods of one district: 2026-12 and 2027-01, each with its communes accepted
    for (const [period, pops] of [
      ['2026-12', [900, 400]],
      ['2027-01', [1000, 500]],
    ] as const) {
      for (const [i, c] of (['H40.01.01', 'H40.01.02'] as const).entries()) {
        const r = `/v1/reporting/reports/KTXH/${period}/${c}`;
        t.equal((await hub.req('PUT', `${r}/values`, clerk[c]!, full(pops[i] ?? 0))).statusCode, 200);
        t.equal((await hub.req('POST', `${r}/submit`, leader[c]!)).statusCode, 200);
        t.equal((await hub.req('POST', `${r}/accept`, leader['H40.01']!)).statusCode, 200);
      }
    }
    clock.set('2027-01-17T03:00:00.000Z');
    await eventually(
      async () => (await hub.req('GET', '/v1/reporting/reports/KTXH/2027-01/H40.02.01', hub.admin)).json().overdue === true,
      5000,
      'overdue',
    );
    const base = await hub.app.listen({ port: 0, host: '127.0.0.1' });

    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    t.teardown(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: 'vi-VN' });
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) external.push(r.url());
    });
    await page.goto(`${base}/bao-cao`);
    t.equal(await page.getAttribute('html', 'lang'), 'vi');
    await page.getByLabel('Mã truy cập của cán bộ').fill(leader['H40']!.authorization!.replace(/^Bearer /, ''));
    await page.getByLabel('Chế độ báo cáo').fill('KTXH');
    await page.getByLabel('Kỳ báo cáo').fill('2027-01');
    await page.getByLabel('Mã cơ quan').fill('H40.01');
    await page.getByLabel('Chỉ tiêu cho biểu đồ').fill('pop');
    await page.getByRole('button', { name: 'Xem' }).click();
    await page.getByText('Đã cập nhật.').waitFor({ timeout: 5000 });
    t.equal(await page.locator('#status tbody tr').count(), 3, 'the district and its communes');
    t.equal(await page.locator('#status tbody tr[data-state="accepted"]').count(), 2);
    t.match(await page.locator('#aggregate tbody tr[data-code="pop"]').innerText(), /Dân số\s+1500\s+người/);
    t.match(await page.locator('#sources').innerText(), /H40\.01\.01/);
    t.equal(await page.locator('#chart canvas').count(), 1, 'a uPlot chart drawn');
    t.match(await page.getAttribute('#chart', 'data-periods'), /^2026-12,2027-01\b/, 'one point per period, oldest first');
    await page.screenshot({ path: join(artifacts, 'bao-cao-district.png'), fullPage: true });

    // the whole province: the commune that never reported is overdue, in red
    await page.getByLabel('Mã cơ quan').fill('');
    await page.getByRole('button', { name: 'Xem' }).click();
    await page.locator('#status tbody tr').nth(5).waitFor({ timeout: 5000 });
    t.equal(await page.locator('#status tbody tr').count(), 6);
    const late = page.locator('#status tbody tr[data-agency="H40.02.01"]');
    t.match(await late.getAttribute('class'), /overdue/);
    t.equal(
      await late
        .locator('td')
        .first()
        .evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(e).color),
      'rgb(176, 0, 0)',
      'overdue in red',
    );
    t.match(await late.innerText(), /quá hạn/);
    await page.screenshot({ path: join(artifacts, 'bao-cao-province.png'), fullPage: true });

    // a wrong token says so, and shows nothing
    const other = await browser.newPage();
    await other.goto(`${base}/bao-cao`);
    await other.getByLabel('Mã truy cập của cán bộ').fill('not-a-token');
    await other.getByLabel('Chế độ báo cáo').fill('KTXH');
    await other.getByLabel('Kỳ báo cáo').fill('2027-01');
    await other.getByRole('button', { name: 'Xem' }).click();
    await other.getByText(/^Lỗi:/).waitFor({ timeout: 5000 });
    t.equal(await other.locator('#status-section').isHidden(), true);
    t.strictSame(external, [], 'nothing loaded from outside the hub (no CDN)');
  });
}
