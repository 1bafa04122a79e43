import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { eventually, launchChromium, requireChromium } from '@lienthong/testing';
import { seedRegime, seedTree, startReportingHub, testClock } from './test/reporting-hub.js';

const artifacts = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts', 'reporting');
const full = (pop: number) => ({
  values: { pop, households: 100, poorHouseholds: 10, schoolRate: 90, minRain: 5, maxRain: 9, note: 'ổn định' },
});

if (requireChromium(t)) {
  t.test(
    '/bao-cao in headless Chromium, opened with a ticket: the tree with states, overdue in red, the aggregate and a chart',
    async (t) => {
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

      const browser = await launchChromium();
      t.teardown(() => browser.close());
      const external: string[] = [];
      browser.context.on('request', (r) => {
        if (!r.url().startsWith(base)) external.push(r.url());
      });
      const ticketOf = async (who: Record<string, string>) => {
        const issued = await hub.req('POST', '/v1/reporting/tickets', who, {});
        t.equal(issued.statusCode, 201, issued.body);
        return issued.json().ticket as string;
      };

      // 1. the district's leader on a phone, opened with a ticket in the address (no token typed)
      const phone = await browser.newPage({ width: 390, height: 844 });
      const ticket = await ticketOf(leader['H40.01']!);
      await phone.goto(`${base}/bao-cao?ticket=${ticket}`);
      t.equal(await phone.getAttribute('html', 'lang'), 'vi');
      await phone.getByText('Đã đăng nhập.').waitFor({ timeout: 5000 });
      t.equal(new URL(phone.url()).search, '', 'the used ticket is removed from the address');
      t.equal(await phone.locator('#login-section').isHidden(), true, 'no login form');
      t.match(await phone.locator('#who').innerText(), /Cán bộ lãnh đạo của cơ quan H40\.01 —/);
      const cookies = await browser.context.cookies(`${base}/v1/reporting/status`);
      t.match(
        cookies,
        [{ name: 'lt_bao_cao', httpOnly: true, sameSite: 'Strict', path: '/v1/reporting' }],
        'the page credential: HttpOnly, SameSite=Strict',
      );
      t.equal(await phone.evaluate('document.cookie'), '', 'no script reads it');
      await phone.getByLabel('Chế độ báo cáo').fill('KTXH');
      await phone.getByLabel('Kỳ báo cáo').fill('2027-01');
      await phone.getByLabel('Chỉ tiêu cho biểu đồ').fill('pop');
      await phone.getByRole('button', { name: 'Xem' }).click();
      await phone.getByText('Đã cập nhật.').waitFor({ timeout: 5000 });
      t.equal(await phone.locator('#status tbody tr').count(), 3, 'the district and its communes');
      t.equal(await phone.locator('#status tbody tr[data-state="accepted"]').count(), 2);
      t.match(await phone.locator('#aggregate tbody tr[data-code="pop"]').innerText(), /Dân số\s+1500\s+người/);
      t.match(await phone.locator('#sources').innerText(), /H40\.01\.01/);
      t.equal(await phone.locator('#chart canvas').count(), 1, 'a uPlot chart drawn');
      t.match(await phone.getAttribute('#chart', 'data-periods'), /^2026-12,2027-01\b/, 'one point per period, oldest first');
      await phone.screenshot({ path: join(artifacts, 'bao-cao-district-phone.png'), fullPage: true });
      // the district's page cannot widen itself to the province
      await phone.getByLabel('Mã cơ quan').fill('H40');
      await phone.getByRole('button', { name: 'Xem' }).click();
      await phone.getByText(/^Lỗi:/).waitFor({ timeout: 5000 });

      // 2. the province's leader on a desktop types the token: the page asks for a ticket itself
      await browser.context.clearCookies();
      const page = await browser.newPage({ width: 1100, height: 900 });
      await page.goto(`${base}/bao-cao`);
      await page.getByLabel('Mã truy cập của cán bộ').fill(leader['H40']!.authorization!.replace(/^Bearer /, ''));
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      await page.getByText('Đã đăng nhập.').waitFor({ timeout: 5000 });
      t.equal(await page.getByLabel('Mã truy cập của cán bộ').isHidden(), true);
      await page.getByLabel('Chế độ báo cáo').fill('KTXH');
      await page.getByLabel('Kỳ báo cáo').fill('2027-01');
      await page.getByLabel('Mã cơ quan').fill('H40.01');
      await page.getByLabel('Chỉ tiêu cho biểu đồ').fill('pop');
      await page.getByRole('button', { name: 'Xem' }).click();
      await page.getByText('Đã cập nhật.').waitFor({ timeout: 5000 });
      t.equal(await page.locator('#status tbody tr').count(), 3);
      t.match(await page.locator('#aggregate tbody tr[data-code="pop"]').innerText(), /Dân số\s+1500\s+người/);
      t.equal(await page.locator('#chart canvas').count(), 1);
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

      // logging out ends the page session: the reads are refused, the login form is back
      await page.getByRole('button', { name: 'Đăng xuất' }).click();
      await page.getByRole('heading', { name: 'Đăng nhập' }).waitFor({ timeout: 5000 });
      t.equal(await page.locator('#aggregate-section').isHidden(), true, 'nothing of the reports left on screen');
      t.strictSame(
        (await browser.context.cookies(`${base}/v1/reporting/status`)).filter((c) => c.name === 'lt_bao_cao'),
        [],
        'the cookie is gone',
      );

      // 3. a reused ticket (opened on the phone already) gets the login form with a clear message
      const kiosk = await browser.newPage({ width: 1100, height: 900 });
      await kiosk.goto(`${base}/bao-cao?ticket=${ticket}`);
      const message = kiosk.locator('#login-message');
      await message.getByText('Vé đăng nhập này đã được dùng', { exact: false }).waitFor({ timeout: 5000 });
      t.equal(await kiosk.locator('#login-section').isVisible(), true, 'the login form');
      t.equal(await kiosk.getByLabel('Mã truy cập của cán bộ').isVisible(), true);
      t.equal(await kiosk.locator('#connect').isHidden(), true, 'no report form');
      t.equal(await kiosk.locator('#status-section').isHidden(), true, 'nothing shown');
      t.equal(new URL(kiosk.url()).search, '', 'the refused ticket is removed from the address too');
      await kiosk.screenshot({ path: join(artifacts, 'bao-cao-reused-ticket.png'), fullPage: true });

      // a wrong token says so, and shows nothing
      await kiosk.getByLabel('Mã truy cập của cán bộ').fill('not-a-token');
      await kiosk.getByRole('button', { name: 'Đăng nhập' }).click();
      await message.getByText(/mã truy cập không đúng/).waitFor({ timeout: 5000 });
      t.equal(await kiosk.locator('#status-section').isHidden(), true);

      t.strictSame(external, [], 'nothing loaded from outside the hub (no CDN)');
    },
  );
}
