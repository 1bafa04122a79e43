import t from 'tap';
import { randomUUID } from 'node:crypto';
import { startDossiersHub, testClock } from '../test-helpers.js';
import { docx, docxBomb, pdf, png } from '../online/test-files.js';

const A = '000.00.12.H40';
const CODE = '1.001193';
const PDF = 'application/pdf';
const clock = testClock('2026-03-09T01:00:00.000Z'); // Monday 08:00 in Hanoi
const hub = await startDossiersHub({ clock: clock.now, online: { fileBytes: 2 * 1024 * 1024, perMinute: 1000, failures: 1000 } });
t.teardown(() => hub.close());
await hub.agency(A);
const clerk = await hub.staff(A, ['clerk']);
const officer = await hub.staff(A, ['officer']);
const leader = await hub.staff(A, ['leader']);

const form = {
  type: 'object',
  required: ['hoTenTreEm', 'ngaySinh'],
  properties: {
    hoTenTreEm: { type: 'string', minLength: 2, maxLength: 100 },
    ngaySinh: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  },
};
const r = await hub.platform.store.append(`procedure-${CODE}`, [
  {
    type: 'ProcedurePublished',
    data: {
      code: CODE,
      version: 1,
      name: 'Đăng ký khai sinh',
      field: 'Hộ tịch',
      agencyLevels: ['commune'],
      processingDays: 3,
      fees: [],
      components: [
        { name: 'Giấy chứng sinh', required: true, mediaTypes: [PDF, 'image/png', 'image/jpeg'], maxSizeMb: 1 },
        {
          name: 'Tờ khai',
          mediaTypes: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', PDF],
        },
      ],
      result: 'Giấy khai sinh',
      legalBasis: [],
      onlineLevel: 'full',
      form,
    },
    metadata: { correlationId: randomUUID(), actor: 'admin', at: '2020-01-01T00:00:00.000Z' },
  },
]);
await hub.platform.projections.get('dossiers-catalog-replica')!.waitFor(r.position);

const application = {
  procedureCode: CODE,
  agencyId: A,
  applicant: { name: 'Nguyễn Văn An', phone: '0912345678' },
  contact: { email: 'an@example.vn' },
  form: { hoTenTreEm: 'Nguyễn Văn Bình', ngaySinh: '2026-03-01' },
};
type Part = { name: string; value: unknown } | { name: string; file: Buffer; filename: string; type?: string };
async function multipart(parts: readonly Part[]) {
  const data = new FormData();
  for (const p of parts)
    if ('file' in p) data.append(p.name, new Blob([p.file], { type: p.type ?? 'application/octet-stream' }), p.filename);
    else data.append(p.name, typeof p.value === 'string' ? p.value : JSON.stringify(p.value));
  const request = new Request('http://localhost/', { method: 'POST', body: data });
  return { payload: Buffer.from(await request.arrayBuffer()), headers: { 'content-type': request.headers.get('content-type')! } };
}
const submit = async (parts: readonly Part[], url = '/v1/public/dossiers') => {
  const body = await multipart(parts);
  return hub.app.inject({ method: 'POST', url, headers: body.headers, payload: body.payload });
};
const certificate = (file = pdf(), filename = 'giay-chung-sinh.pdf'): Part => ({ name: 'Giấy chứng sinh', file, filename });
const view = (code: string, pin: string) => hub.app.inject({ method: 'GET', url: `/v1/public/dossiers/${code}?pin=${pin}` });
const paths = (res: { json(): unknown }) => ((res.json() as { errors?: { path: string }[] }).errors ?? []).map((e) => e.path).sort();

t.test('a citizen submits online: status 1, channel online, files in the blob store, no due date until accepted', async (t) => {
  const res = await submit([
    { name: 'application', value: application },
    certificate(),
    { name: 'Tờ khai', file: docx(), filename: 'to-khai.docx' },
  ]);
  t.equal(res.statusCode, 201, res.body);
  const receipt = res.json() as { dossierCode: string; lookupPin: string; status: string; statusCode: number; channel: string };
  t.match(receipt, { status: 'new', statusCode: 1, channel: 'online' });
  const seen = (await view(receipt.dossierCode, receipt.lookupPin)).json();
  t.match(seen, { channel: 'online', statusCode: 1, dueAt: null, contact: { email: 'an@example.vn' } });
  const certificateFile = seen.components.find((c: { name: string }) => c.name === 'Giấy chứng sinh').files[0];
  t.match(certificateFile, { mediaType: PDF, name: 'giay-chung-sinh.pdf', size: pdf().length });
  t.match(seen.components.find((c: { name: string }) => c.name === 'Tờ khai').files[0], { mediaType: /wordprocessingml/ });

  // the clerk accepts it from the queue: the legal clock starts now
  const queue = await hub.inject('GET', `/v1/dossiers?status=new`, clerk);
  t.ok(
    (queue.json().items as { dossierCode: string }[]).some((i) => i.dossierCode === receipt.dossierCode),
    'in the queue',
  );
  clock.set('2026-03-11T01:00:00.000Z'); // Wednesday
  const accepted = await hub.inject('POST', `/v1/dossiers/${receipt.dossierCode}/actions/accept`, clerk, {});
  t.equal(accepted.statusCode, 200, accepted.body);
  t.equal(accepted.json().dueAt, '2026-03-16T01:00:00.000Z', 'three working days from acceptance');
  t.equal(accepted.json().legalDueAt, '2026-03-16T01:00:00.000Z');
  t.equal((await view(receipt.dossierCode, receipt.lookupPin)).json().dueAt, '2026-03-16T01:00:00.000Z');

  // supplement: refused outside status 5, then requested and given online
  const supplementUrl = `/v1/public/dossiers/${receipt.dossierCode}/supplement?pin=${receipt.lookupPin}`;
  const early = await submit([certificate(png(), 'anh.png')], supplementUrl);
  t.equal(early.statusCode, 409, early.body);
  t.equal(early.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.match(early.json(), { status: 409, dossierStatusCode: 2 });
  await hub.inject('POST', `/v1/dossiers/${receipt.dossierCode}/actions/request-supplement`, clerk, {
    reason: 'Ảnh mờ',
    items: ['Giấy chứng sinh'],
  });
  t.match((await view(receipt.dossierCode, receipt.lookupPin)).json(), { statusCode: 5, supplementRequest: { reason: 'Ảnh mờ' } });
  const wrongType = await submit([certificate(Buffer.from('not an image at all'), 'anh.png')], supplementUrl);
  t.equal(wrongType.statusCode, 400, 'a supplement file is checked as at submission');
  const supplemented = await submit([certificate(png(), 'anh.png')], supplementUrl);
  t.equal(supplemented.statusCode, 200, supplemented.body);
  t.match(supplemented.json(), { status: 'accepted', supplementRequest: null });

  // processed and delivered with a result file: the citizen downloads it
  const result = pdf(4096);
  const { sha256 } = await (
    await import('node:crypto')
  ).webcrypto.subtle
    .digest('SHA-256', result)
    .then((d) => ({ sha256: Buffer.from(d).toString('hex') }));
  const blobs = (await import('@lienthong/blob-store')).openBlobStore({ dataDir: hub.platform.config.dataDir });
  const store = await blobs;
  await store.put(result);
  await store.close();
  await hub.inject('POST', `/v1/dossiers/${receipt.dossierCode}/actions/assign`, clerk, { officer: 'o1' });
  await hub.inject('POST', `/v1/dossiers/${receipt.dossierCode}/actions/complete`, leader, {});
  const early404 = await hub.app.inject(`/v1/public/dossiers/${receipt.dossierCode}/result/${sha256}?pin=${receipt.lookupPin}`);
  t.equal(early404.statusCode, 404, 'no result before delivery');
  const delivered = await hub.inject('POST', `/v1/dossiers/${receipt.dossierCode}/actions/deliver-result`, clerk, {
    files: [{ sha256, name: 'Giấy khai sinh.pdf', mediaType: PDF }],
  });
  t.equal(delivered.statusCode, 200, delivered.body);
  t.match((await view(receipt.dossierCode, receipt.lookupPin)).json(), { statusCode: 10, resultFiles: [{ sha256, mediaType: PDF }] });
  const download = await hub.app.inject(`/v1/public/dossiers/${receipt.dossierCode}/result/${sha256}?pin=${receipt.lookupPin}`);
  t.equal(download.statusCode, 200);
  t.equal(download.headers['content-type'], PDF);
  t.match(String(download.headers['content-disposition']), /attachment; filename\*=UTF-8''Gi%E1%BA%A5y/);
  t.ok(download.rawPayload.equals(result), 'the same bytes');
  const wrongPin = await hub.app.inject(`/v1/public/dossiers/${receipt.dossierCode}/result/${sha256}?pin=000000`);
  t.equal(wrongPin.statusCode, 404);
  void officer;
});

t.test('withdraw with code and PIN; a wrong PIN and an unknown code are the same 404', async (t) => {
  const { dossierCode, lookupPin } = (await submit([{ name: 'application', value: application }, certificate()])).json();
  const wrong = await view(dossierCode, 'WRONG1');
  const unknown = await view(`${A}-260309-9999`, lookupPin);
  t.equal(wrong.statusCode, 404);
  t.equal(wrong.body, unknown.body, 'the same body');
  t.equal(wrong.headers['content-type'], unknown.headers['content-type']);
  const wrongWithdraw = await hub.app.inject({
    method: 'POST',
    url: `/v1/public/dossiers/${dossierCode}/withdraw?pin=WRONG1`,
    payload: { reason: 'x' },
  });
  t.equal(wrongWithdraw.statusCode, 404);
  t.equal(wrongWithdraw.body, unknown.body);
  t.equal((await view(dossierCode, lookupPin)).json().status, 'new', 'a wrong PIN changes nothing');
  const res = await hub.app.inject({
    method: 'POST',
    url: `/v1/public/dossiers/${dossierCode}/withdraw?pin=${lookupPin}`,
    payload: { reason: 'Nộp nhầm thủ tục' },
  });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { status: 'withdrawal-requested' });
  const events = await hub.platform.store.readStream(`dossier-${dossierCode}`);
  t.match(events.at(-1), {
    type: 'DossierWithdrawalRequested',
    data: { by: 'citizen', reason: 'Nộp nhầm thủ tục' },
    metadata: { actor: 'citizen' },
  });
});

t.test('bad submissions: problem+json naming the field or the file, nothing received', async (t) => {
  const before = (await hub.inject('GET', '/v1/dossiers?limit=100', clerk)).json().total as number;
  const cases: [string, Part[], number, string[]][] = [
    [
      'form fails its schema',
      [{ name: 'application', value: { ...application, form: { hoTenTreEm: 'B' } } }, certificate()],
      400,
      ['application/form/hoTenTreEm', 'application/form/ngaySinh'],
    ],
    ['application not JSON', [{ name: 'application', value: '{oops' }, certificate()], 400, ['application']],
    ['application missing', [certificate()], 400, ['application']],
    [
      'applicant without name',
      [{ name: 'application', value: { ...application, applicant: {} } }, certificate()],
      400,
      ['application/applicant/name'],
    ],
    [
      'bytes not what the name says',
      [{ name: 'application', value: application }, certificate(png(), 'giay.pdf')],
      400,
      ['files/Giấy chứng sinh'],
    ],
    [
      'not an accepted type',
      [{ name: 'application', value: application }, certificate(Buffer.from('hello, plain text'), 'a.txt')],
      400,
      ['files/Giấy chứng sinh'],
    ],
    [
      'a zip bomb named .docx',
      [{ name: 'application', value: application }, certificate(), { name: 'Tờ khai', file: docxBomb(), filename: 'to-khai.docx' }],
      400,
      ['files/Tờ khai'],
    ],
    [
      'a type the component does not take',
      [{ name: 'application', value: application }, certificate(), { name: 'Tờ khai', file: png(), filename: 'a.png' }],
      400,
      ['files/Tờ khai'],
    ],
    [
      'over the component maxSizeMb',
      [{ name: 'application', value: application }, certificate(pdf(1024 * 1024 + 10))],
      413,
      ['files/Giấy chứng sinh'],
    ],
    [
      'over the per-file limit',
      [
        { name: 'application', value: application },
        { name: 'Tờ khai', file: pdf(2 * 1024 * 1024 + 10), filename: 'big.pdf' },
      ],
      413,
      ['files/Tờ khai'],
    ],
    ['a required file missing', [{ name: 'application', value: application }], 400, ['files/Giấy chứng sinh']],
    [
      'an unknown component',
      [{ name: 'application', value: application }, certificate(), { name: 'Khác', file: pdf(), filename: 'x.pdf' }],
      400,
      ['files/Khác'],
    ],
    ['an empty file', [{ name: 'application', value: application }, certificate(Buffer.alloc(0), 'a.pdf')], 400, ['files/Giấy chứng sinh']],
  ];
  for (const [label, parts, status, expected] of cases) {
    const res = await submit(parts);
    t.equal(res.statusCode, status, `${label}: ${res.body}`);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', label);
    t.equal(res.json().status, status, label);
    t.strictSame(paths(res), expected, label);
  }
  const unknownProcedure = await submit([{ name: 'application', value: { ...application, procedureCode: '1.999999' } }, certificate()]);
  t.equal(unknownProcedure.statusCode, 422);
  const json = await hub.app.inject({ method: 'POST', url: '/v1/public/dossiers', payload: application });
  t.equal(json.statusCode, 415, 'not multipart');
  t.equal((await hub.inject('GET', '/v1/dossiers?limit=100', clerk)).json().total, before, 'nothing was received');
});
