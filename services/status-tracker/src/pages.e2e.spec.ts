import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { launchChromium, requireChromium } from '@lienthong/testing';
import { A, PROCEDURE, otherPin, startTrackerHub } from './test/helpers.js';

const artifacts = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts', 'status-tracker');

if (requireChromium(t)) {
  t.test('citizen lookup and counter board in headless Chromium', async (t) => {
    mkdirSync(artifacts, { recursive: true });
    const hub = await startTrackerHub();
    t.teardown(() => hub.close());
    await hub.agency(A);
    await hub.publishProcedure(PROCEDURE, 3);
    const clerk = await hub.staff(A, ['clerk']);
    const { dossierCode, lookupPin } = await hub.receive(clerk, A);
    // received by post a month ago: already overdue on the board
    const late = await hub.inject('POST', '/v1/dossiers', clerk, {
      procedureCode: PROCEDURE,
      agencyId: A,
      applicant: { name: 'Lê Văn Cường' },
      channel: 'postal',
      receivedAt: new Date(Date.now() - 30 * 86_400_000).toISOString(),
    });
    t.equal(late.statusCode, 201, late.body);
    const lateCode: string = late.json().dossierCode;
    await hub.settle();
    const base = await hub.app.listen({ port: 0, host: '127.0.0.1' });

    const browser = await launchChromium();
    t.teardown(() => browser.close());

    // 1. lookup, on a phone-sized screen
    const phone = await browser.newPage({ width: 375, height: 740 });
    await phone.goto(`${base}/`);
    t.equal(await phone.getAttribute('html', 'lang'), 'vi');
    t.equal(await phone.title(), 'Tra cứu tình trạng hồ sơ');
    t.equal(await phone.getAttribute('#result', 'aria-live'), 'polite');
    await phone.getByLabel('Mã hồ sơ').fill(dossierCode);
    await phone.getByLabel('Mã tra cứu (PIN)').fill(lookupPin);
    await phone.getByRole('button', { name: 'Tra cứu' }).click();
    const heading = phone.getByRole('heading', { name: `Hồ sơ ${dossierCode}` });
    await heading.waitFor({ timeout: 5000 });
    t.equal(await phone.evaluate('document.activeElement && document.activeElement.tagName'), 'H2', 'focus moves to the result');
    const text = await phone.locator('#result').innerText();
    t.match(text, /Mới đăng ký/);
    t.match(text, /N\*\*\* V\*\*\* A\*\*\*/);
    t.match(text, /Đúng hạn/);
    t.match(text, /Hẹn trả kết quả/);
    t.equal(await phone.locator('.timeline li').count(), 1);
    await phone.screenshot({ path: join(artifacts, 'lookup-found.png'), fullPage: true });

    await phone.getByLabel('Mã tra cứu (PIN)').fill(otherPin(lookupPin));
    await phone.getByRole('button', { name: 'Tra cứu' }).click();
    await phone.getByRole('heading', { name: 'Không tìm thấy hồ sơ' }).waitFor({ timeout: 5000 });
    t.notMatch(await phone.locator('#result').innerText(), /Mới đăng ký/, 'nothing of the dossier left on screen');
    await phone.screenshot({ path: join(artifacts, 'lookup-not-found.png'), fullPage: true });

    // 2. the board: a staff token gets a ticket, the socket a snapshot, then the change made through the API
    const board = await browser.newPage({ width: 1100, height: 700 });
    await board.goto(`${base}/board`);
    await board.getByLabel('Mã truy cập của cán bộ').fill(clerk.authorization.replace(/^Bearer /, ''));
    await board.getByRole('button', { name: 'Kết nối' }).click();
    await board.getByText('Đã kết nối: cập nhật trực tiếp.').waitFor({ timeout: 5000 });
    const row = board.locator(`tr[data-code="${dossierCode}"]`);
    await row.waitFor({ timeout: 5000 });
    t.equal(await row.getAttribute('data-status'), '1');
    const lateRow = board.locator(`tr[data-code="${lateCode}"]`);
    t.match(await lateRow.getAttribute('class'), /overdue/, 'overdue highlighted');
    t.match(await lateRow.innerText(), /Quá hạn/);
    t.notMatch((await row.getAttribute('class')) ?? '', /overdue/);

    t.equal((await hub.inject('POST', `/v1/dossiers/${dossierCode}/actions/accept`, clerk, {})).statusCode, 200);
    await board.locator(`tr[data-code="${dossierCode}"][data-status="2"]`).waitFor({ timeout: 5000 });
    t.match(await row.innerText(), /Được tiếp nhận/, 'the change reached the board');
    t.match(await board.locator('#summary').innerText(), /2 hồ sơ đang giải quyết, 1 hồ sơ quá hạn/);
    await board.screenshot({ path: join(artifacts, 'board.png'), fullPage: true });

    // 3. a kiosk opened with a ticket in the address
    const { ticket } = (await hub.inject('POST', '/v1/track/tickets', clerk, {})).json();
    const kiosk = await browser.newPage();
    await kiosk.goto(`${base}/board?ticket=${ticket}`);
    await kiosk.locator(`tr[data-code="${dossierCode}"]`).waitFor({ timeout: 5000 });
    t.equal(new URL(kiosk.url()).search, '', 'the used ticket is removed from the address');
    t.ok(existsSync(join(artifacts, 'board.png')));
  });
}
