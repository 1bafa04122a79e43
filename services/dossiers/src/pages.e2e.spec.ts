import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { catalogModule } from '@lienthong/catalog';
import { openBlobStore } from '@lienthong/blob-store';
import { directoryModule } from '@lienthong/platform';
import { startTestHub } from '@lienthong/platform/testing';
import { launchChromium, requireChromium, startVnpaySimulator } from '@lienthong/testing';
import { createDossiersModule } from './module.js';
import { docxBomb, pdf, png } from './online/test-files.js';

const artifacts = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts', 'dossiers');
const COMMUNE = '000.00.31.H40';
const CODE = '1.001193';
const PDF = 'application/pdf';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The e-form of the procedure: text with a length and a pattern, a date, a choice, a number, a yes/no, a nested group. */
const form = {
  type: 'object',
  required: ['hoTenTreEm', 'ngaySinh', 'gioiTinh', 'camKet'],
  properties: {
    hoTenTreEm: { type: 'string', title: 'Họ, chữ đệm, tên của trẻ', minLength: 2, maxLength: 100 },
    ngaySinh: { type: 'string', title: 'Ngày sinh', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    gioiTinh: { type: 'string', title: 'Giới tính', enum: ['Nam', 'Nữ'] },
    canNang: { type: 'number', title: 'Cân nặng khi sinh (kg)', minimum: 0.3, maximum: 8 },
    me: {
      type: 'object',
      title: 'Thông tin người mẹ',
      required: ['hoTen'],
      properties: { hoTen: { type: 'string', title: 'Họ và tên mẹ', minLength: 2 } },
    },
    camKet: { type: 'boolean', title: 'Tôi cam đoan những nội dung khai trên đây là đúng sự thật', const: true },
  },
};

/** Whether an element has the focus (run in the page). */
const isFocused = (e: unknown) => e === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement;

/** axe-core run inside the page (evaluated over the DevTools protocol, so the page's CSP stays as served). */
async function accessibility(page: Page): Promise<{ id: string; impact: string; nodes: number }[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }
    ).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

if (requireChromium(t)) {
  mkdirSync(artifacts, { recursive: true });
  // the VNPay simulator: a process of its own with its payment page, calling the hub's IPN
  const sim = await startVnpaySimulator();
  t.teardown(() => sim.stop());
  const hub = await startTestHub([
    directoryModule,
    catalogModule,
    createDossiersModule({
      online: { perMinute: 1000, failures: 1000 },
      payments: { vnpay: { url: sim.paymentUrl, tmnCode: sim.tmnCode, secret: sim.secret }, returnUrl: null },
    }),
  ]);
  t.teardown(() => hub.close());
  const post = async (url: string, payload: unknown, headers: Record<string, string> = hub.admin) => {
    const res = await hub.app.inject({ method: 'POST', url, headers, payload: payload as object });
    if (res.statusCode >= 300) throw new Error(`POST ${url} → ${res.statusCode} ${res.body}`);
    return res.json<Record<string, unknown>>();
  };
  await post('/v1/admin/agencies', { organId: COMMUNE, name: 'UBND phường Lộc Thọ', level: 'commune' });
  await post('/v1/admin/agencies', { organId: '000.00.00.H40', name: 'UBND tỉnh Khánh Hòa', level: 'province' });
  const clerk = { authorization: (await hub.staff(COMMUNE, ['clerk'])).authorization };
  const leader = { authorization: (await hub.staff(COMMUNE, ['leader'])).authorization };
  const officer = { authorization: (await hub.staff(COMMUNE, ['officer'])).authorization };
  const put = await hub.app.inject({
    method: 'PUT',
    url: `/v1/catalog/procedures/${CODE}`,
    headers: hub.admin,
    payload: {
      name: 'Đăng ký khai sinh',
      field: 'Hộ tịch',
      agencyLevels: ['commune'],
      processingDays: 3,
      fees: [{ description: 'Lệ phí đăng ký khai sinh', amount: 8000 }],
      components: [
        { name: 'Giấy chứng sinh', required: true, mediaTypes: [PDF, 'image/png', 'image/jpeg'], maxSizeMb: 2 },
        { name: 'Tờ khai', mediaTypes: [DOCX, PDF] },
      ],
      result: 'Giấy khai sinh',
      onlineLevel: 'full',
      effectiveFrom: '2020-01-01',
      form,
    },
  });
  if (put.statusCode >= 300) throw new Error(put.body);
  // the dossiers' catalog replica follows the catalog over the bus
  await hub.platform.projections.get('dossiers-catalog-replica')!.waitFor(await hub.platform.store.headPosition());
  const base = await hub.app.listen({ port: 0, host: '127.0.0.1' });
  await sim.setIpnUrl(`${base}/v1/payments/vnpay/ipn`);
  /** A dossier submitted straight to the route (not through the page), for the tests that start from a receipt. */
  const submitted = async (applicant: string, child: Record<string, string>) => {
    const data = new FormData();
    const form = { ...child, camKet: true, me: { hoTen: applicant } };
    data.append('application', JSON.stringify({ procedureCode: CODE, agencyId: COMMUNE, applicant: { name: applicant }, form }));
    data.append('Giấy chứng sinh', new Blob([pdf()]), 'gcs.pdf');
    const res = await fetch(`${base}/v1/public/dossiers`, { method: 'POST', body: data });
    if (res.status !== 201) throw new Error(`submission → ${res.status} ${await res.text()}`);
    return (await res.json()) as { dossierCode: string; lookupPin: string };
  };
  const files = mkdtempSync(join(tmpdir(), 'lt-portal-files-'));
  t.teardown(() => rmSync(files, { recursive: true, force: true }));

  const browser = await launchChromium({ acceptDownloads: true });
  t.teardown(() => browser.close());
  const { context } = browser;

  for (const [device, viewport] of [
    ['phone', { width: 390, height: 844 }],
    ['desktop', { width: 1280, height: 900 }],
  ] as const) {
    t.test(
      `/dich-vu-cong on a ${device} (${viewport.width}×${viewport.height}): search, e-form, upload, receipt, supplement, result`,
      async (t) => {
        const page = await context.newPage();
        t.teardown(() => page.close());
        await page.setViewportSize(viewport);
        const external: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith(base)) external.push(r.url());
        });
        page.setDefaultTimeout(10_000);
        /** A field by its label; a required one's label ends in a star. */
        const field = (label: string) => page.getByLabel(new RegExp(`^${label.replace(/[()]/g, '\\$&')}( \\*)?$`));
        const shot = (name: string) => page.screenshot({ path: join(artifacts, `${device}-${name}.png`), fullPage: true });

        // 1. search without diacritics, open the procedure
        await page.goto(`${base}/dich-vu-cong`);
        t.equal(await page.getAttribute('html', 'lang'), 'vi');
        await page.getByLabel('Tên hoặc mã thủ tục').fill('khai sinh');
        await page.keyboard.press('Enter');
        // The status names the typed search's answer (the first page's full list may still be on screen before it).
        await page.locator('#search-status', { hasText: /^Tìm thấy 1 thủ tục/ }).waitFor({ timeout: 5000 });
        t.equal(await page.locator('#procedures > li').count(), 1, 'only the procedure found is listed');
        t.ok(await page.getByRole('heading', { name: 'Đăng ký khai sinh' }).isVisible());
        t.strictSame(await accessibility(page), [], 'search: no serious or critical accessibility violation');
        await shot('1-search');
        await page.getByRole('button', { name: 'Nộp hồ sơ: Đăng ký khai sinh' }).click();
        await page.getByRole('heading', { name: 'Nộp hồ sơ trực tuyến' }).waitFor({ timeout: 5000 });
        t.equal(await page.locator('#submit-title').evaluate(isFocused), true, 'focus moves to the form');
        t.match(await page.locator('#procedure-info').innerText(), /3 ngày làm việc[\s\S]*8\.000/);
        t.equal(await page.getByLabel('Nộp hồ sơ tới').inputValue(), COMMUNE, 'the one commune-level agency is chosen');
        t.equal(await page.locator('#agency option').count(), 2, 'the province is not offered for a commune procedure');

        // 2. the e-form generated from the schema: every field labelled, required ones marked
        for (const label of ['Họ, chữ đệm, tên của trẻ', 'Ngày sinh', 'Giới tính', 'Cân nặng khi sinh (kg)', 'Họ và tên mẹ'])
          t.equal(await field(label).count(), 1, `field "${label}"`);
        t.equal(await field('Ngày sinh').getAttribute('type'), 'date');
        t.equal(await field('Cân nặng khi sinh (kg)').getAttribute('type'), 'number');
        t.equal(await field('Họ, chữ đệm, tên của trẻ').getAttribute('aria-required'), 'true', 'required in the schema, required here');
        t.equal(await field('Cân nặng khi sinh (kg)').getAttribute('aria-required'), null);
        t.equal(await page.getByRole('group', { name: 'Thông tin người mẹ' }).count(), 1, 'a nested object is a fieldset');

        // 3. submitted empty: errors next to each field, a summary that takes the focus
        await page.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
        const summary = page.locator('#submit-errors');
        await summary.waitFor({ state: 'visible' });
        t.equal(await summary.evaluate(isFocused), true, 'the summary takes the focus');
        const nameInput = field('Họ, chữ đệm, tên của trẻ');
        t.equal(await nameInput.getAttribute('aria-invalid'), 'true');
        const describedBy = (await nameInput.getAttribute('aria-describedby'))!.split(' ');
        t.equal(
          await page.locator(`#${describedBy.at(-1)!}`).innerText(),
          'Vui lòng nhập thông tin này.',
          'the error is next to the field, tied to it',
        );
        t.match(await page.locator('#applicant-name-error').innerText(), /họ và tên/);
        t.match(await summary.innerText(), /Giấy chứng sinh: Vui lòng đính kèm tệp/);
        t.strictSame(await accessibility(page), [], 'errors shown: no serious or critical accessibility violation');
        await shot('2-errors');

        // 4. filled, partly from the keyboard; a certificate whose bytes are a PNG but named .pdf
        await field('Họ và tên').fill('Nguyễn Văn An');
        await page.getByLabel('Thư điện tử (nhận thông báo)').fill('an@example.vn');
        await nameInput.fill('Nguyễn Văn Bình');
        await field('Ngày sinh').fill('2026-03-01');
        await field('Giới tính').selectOption({ label: 'Nam' });
        await page.getByLabel('Cân nặng khi sinh (kg)').fill('3.2');
        await field('Họ và tên mẹ').fill('Trần Thị Cúc');
        await page.getByLabel(/Tôi cam đoan/).focus();
        await page.keyboard.press('Space');
        t.equal(await page.getByLabel(/Tôi cam đoan/).isChecked(), true, 'the checkbox answers the space key');
        const certificateInput = page.locator('#submit').getByLabel(/^Giấy chứng sinh/);
        await certificateInput.setInputFiles({ name: 'giay-chung-sinh.pdf', mimeType: PDF, buffer: png() });
        await page.getByLabel('Tờ khai', { exact: true }).setInputFiles({ name: 'to-khai.docx', mimeType: DOCX, buffer: docxBomb() });
        await field('Họ và tên mẹ').press('Enter'); // implicit submission from a text field
        await page.getByText('Nội dung tệp không đúng với loại tệp ghi trong tên tệp.', { exact: true }).waitFor({ timeout: 10_000 });
        t.equal(await certificateInput.getAttribute('aria-invalid'), 'true', "the server's refusal is shown next to the file it names");
        t.equal(await page.locator('#procedure-info').isVisible(), true, 'still on the form: nothing was received');
        await shot('3-file-refused');

        // 5. real files: a 1.5 MB PDF, with upload progress, then the receipt
        const certificate = pdf(1_500_000);
        await certificateInput.setInputFiles({ name: 'giay-chung-sinh.pdf', mimeType: PDF, buffer: certificate });
        await page.getByLabel('Tờ khai', { exact: true }).setInputFiles([]);
        // the page's progress bar as it moves (its value attribute), recorded in the page
        await page.evaluate(`(() => {
          const bar = document.getElementById('upload-progress');
          window.progressSeen = [];
          new MutationObserver(() => window.progressSeen.push(bar.getAttribute('value'))).observe(bar, { attributeFilter: ['value'] });
        })()`);
        await page.getByRole('button', { name: 'Nộp hồ sơ', exact: true }).click();
        await page.getByRole('heading', { name: 'Giấy tiếp nhận hồ sơ trực tuyến' }).waitFor({ timeout: 15_000 });
        const progress = await page.evaluate<string[]>('window.progressSeen');
        t.ok(progress.includes('100'), `upload progress reported up to 100 % (${progress.join(',')})`);
        const dossierCode = await page.locator('[data-field="dossierCode"]').innerText();
        const pin = await page.locator('[data-field="lookupPin"]').innerText();
        t.match(dossierCode, new RegExp(`^${COMMUNE.replaceAll('.', '\\.')}-\\d{6}-\\d{4}$`));
        t.match(pin, /^\d{8}$/);
        t.strictSame(await accessibility(page), [], 'receipt: no serious or critical accessibility violation');
        await shot('4-receipt');
        await page.evaluate('window.printed = 0; window.print = () => { window.printed++; }');
        await page.getByRole('button', { name: 'In giấy tiếp nhận' }).click();
        t.equal(await page.evaluate<number>('window.printed'), 1, 'print asked');
        await page.emulateMedia({ media: 'print' });
        t.equal(await page.locator('header').isVisible(), false, 'printed: no navigation');
        t.equal(await page.locator('#receipt-body').isVisible(), true, 'printed: the receipt');
        await shot('5-receipt-print');
        await page.emulateMedia({ media: 'screen' });

        // what the hub holds: the e-form and the file, as sent
        const seen = await hub.app.inject(`/v1/public/dossiers/${dossierCode}?pin=${pin}`);
        t.match(seen.json(), {
          channel: 'online',
          statusCode: 1,
          components: [{ name: 'Giấy chứng sinh', files: [{ mediaType: PDF, size: certificate.length }] }],
        });

        // 6. follow it: status 1, then a supplement asked by the clerk and given from the page
        await page.getByRole('button', { name: 'Theo dõi hồ sơ này' }).click();
        await page.locator('#dossier-status').waitFor({ timeout: 5000 });
        t.equal(await page.locator('#dossier-status').innerText(), 'Mới đăng ký');
        await post(`/v1/dossiers/${dossierCode}/actions/accept`, {}, clerk);
        await post(
          `/v1/dossiers/${dossierCode}/actions/request-supplement`,
          { reason: 'Ảnh giấy chứng sinh bị mờ', items: ['Giấy chứng sinh'] },
          clerk,
        );
        await page.getByRole('button', { name: 'Xem hồ sơ' }).click();
        await page.getByText('Lý do: Ảnh giấy chứng sinh bị mờ').waitFor({ timeout: 5000 });
        t.equal(await page.locator('#dossier-status').innerText(), 'Yêu cầu bổ sung');
        const supplementInput = page.locator('form[aria-labelledby="supplement-title"] input[type="file"]');
        t.equal(await page.locator('#dossier').getByLabel('Giấy chứng sinh').count(), 1, 'the requested item has its labelled file input');
        t.strictSame(await accessibility(page), [], 'supplement: no serious or critical accessibility violation');
        await shot('6-supplement');
        await supplementInput.setInputFiles({ name: 'anh-ro.png', mimeType: 'image/png', buffer: png() });
        await page.getByRole('button', { name: 'Gửi bổ sung' }).click();
        await page.getByText('Đã gửi hồ sơ bổ sung').waitFor({ timeout: 10_000 });
        t.equal(await page.locator('#dossier-status').innerText(), 'Được tiếp nhận', 'back to the status before the request');

        // 7. processed and delivered with a result file: downloaded from the page
        const result = pdf(4096);
        const sha256 = createHash('sha256').update(result).digest('hex');
        const blobs = await openBlobStore({ dataDir: hub.platform.config.dataDir });
        await blobs.put(result);
        await blobs.close();
        await post(`/v1/dossiers/${dossierCode}/actions/assign`, { officer: 'o1' }, clerk);
        await post(`/v1/dossiers/${dossierCode}/actions/complete`, {}, leader);
        await post(
          `/v1/dossiers/${dossierCode}/actions/deliver-result`,
          { files: [{ sha256, name: 'Giấy khai sinh.pdf', mediaType: PDF }] },
          clerk,
        );
        await page.getByRole('button', { name: 'Xem hồ sơ' }).click();
        const link = page.getByRole('link', { name: 'Tải về: Giấy khai sinh.pdf' });
        await link.waitFor({ timeout: 5000 });
        t.equal(await page.locator('#dossier-status').innerText(), 'Đã trả kết quả');
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        const saved = join(files, `${device}-result.pdf`);
        await download.saveAs(saved);
        t.ok(readFileSync(saved).equals(result), 'the result file, byte for byte');
        t.strictSame(await accessibility(page), [], 'result: no serious or critical accessibility violation');
        await shot('7-result');
        t.strictSame(external, [], 'nothing loaded from outside the hub');
      },
    );
  }

  t.test('a wrong PIN says so; a withdrawal from the page', async (t) => {
    const page = await context.newPage();
    t.teardown(() => page.close());
    await page.setViewportSize({ width: 390, height: 844 });
    const receipt = await submitted('Lê Thị Hoa', { hoTenTreEm: 'Lê Văn Nam', ngaySinh: '2026-02-02', gioiTinh: 'Nam' });
    await page.goto(`${base}/dich-vu-cong#ho-so-cua-toi`);
    await page.getByLabel('Mã hồ sơ').fill(receipt.dossierCode);
    await page.getByLabel('Mã tra cứu (PIN)').fill('00000000');
    await page.getByRole('button', { name: 'Xem hồ sơ' }).click();
    await page.getByText('Không tìm thấy hồ sơ').waitFor({ timeout: 5000 });
    await page.getByLabel('Mã tra cứu (PIN)').fill(receipt.lookupPin);
    await page.getByRole('button', { name: 'Xem hồ sơ' }).click();
    await page.locator('#dossier-status').waitFor({ timeout: 5000 });
    await page.getByText('Rút hồ sơ', { exact: true }).click();
    await page.getByRole('button', { name: 'Xác nhận rút hồ sơ' }).click();
    await page.getByText('Vui lòng nhập lý do.').waitFor();
    await page.getByLabel('Lý do rút hồ sơ').fill('Nộp nhầm thủ tục');
    await page.getByRole('button', { name: 'Xác nhận rút hồ sơ' }).click();
    await page.getByText('Đã gửi yêu cầu rút hồ sơ').waitFor({ timeout: 5000 });
    t.equal(await page.locator('#dossier-status').innerText(), 'Công dân yêu cầu rút hồ sơ');
    t.strictSame(await accessibility(page), [], 'no serious or critical accessibility violation');
    await page.screenshot({ path: join(artifacts, 'phone-8-withdrawn.png'), fullPage: true });
  });

  t.test("the fee paid online: the page, the simulator's payment page, the IPN, back to the page", async (t) => {
    const page = await context.newPage();
    t.teardown(() => page.close());
    page.setDefaultTimeout(10_000);
    await page.setViewportSize({ width: 390, height: 844 });
    const { dossierCode, lookupPin } = await submitted('Phạm Văn Tư', {
      hoTenTreEm: 'Phạm Thị Mai',
      ngaySinh: '2026-02-03',
      gioiTinh: 'Nữ',
    });
    await post(`/v1/dossiers/${dossierCode}/actions/accept`, {}, clerk);
    await post(`/v1/dossiers/${dossierCode}/actions/assign`, { officer: 'o1' }, clerk);
    await post(`/v1/dossiers/${dossierCode}/actions/request-payment`, { amount: 8000, reason: 'Lệ phí đăng ký khai sinh' }, officer);

    await page.goto(`${base}/dich-vu-cong#ho-so-cua-toi`);
    await page.getByLabel('Mã hồ sơ').fill(dossierCode);
    await page.getByLabel('Mã tra cứu (PIN)').fill(lookupPin);
    await page.getByRole('button', { name: 'Xem hồ sơ' }).click();
    await page.locator('#payment-due').waitFor();
    t.match(await page.locator('#payment-due').innerText(), /8\.000/);
    t.equal(await page.locator('#dossier-status').innerText(), 'Yêu cầu thực hiện nghĩa vụ tài chính');
    t.strictSame(await accessibility(page), [], 'payment due: no serious or critical accessibility violation');
    await page.screenshot({ path: join(artifacts, 'phone-9-payment-due.png'), fullPage: true });
    await page.getByRole('button', { name: 'Thanh toán trực tuyến' }).click();
    // the simulator's payment page (another origin), then back through the hub's return URL
    await page.waitForURL((url) => url.href.startsWith(sim.url));
    await page.screenshot({ path: join(artifacts, 'phone-10-provider.png'), fullPage: true });
    await page.getByRole('button', { name: 'Thanh toán', exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(`${base}/dich-vu-cong`));
    await page.getByText('Thanh toán thành công').waitFor();
    await page.locator('#dossier-status').waitFor();
    t.equal(await page.locator('#dossier-status').innerText(), 'Đang xử lý', 'the IPN confirmed the payment: processing again');
    t.equal(await page.locator('#payment-due').count(), 0, 'nothing left to pay');
    t.strictSame(await accessibility(page), [], 'paid: no serious or critical accessibility violation');
    await page.screenshot({ path: join(artifacts, 'phone-11-paid.png'), fullPage: true });
    const orders = await sim.orders();
    t.equal(orders.length, 1, 'one order at the provider');
    t.equal(orders[0]!.amount, 8000, 'the fee asked, charged once');
  });
}
