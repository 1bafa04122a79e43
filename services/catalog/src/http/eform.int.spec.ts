import t from 'tap';
import { startTestHub } from '@lienthong/platform/testing';
import { directoryModule } from '@lienthong/platform';
import { catalogModule } from '../module.js';
import { birthRegistration } from './test-fixtures.js';

const hub = await startTestHub([directoryModule, catalogModule]);
t.teardown(() => hub.close());
const { app, admin } = hub;
const url = (code: string) => `/v1/catalog/procedures/${code}`;
const put = (code: string, payload: object) => app.inject({ method: 'PUT', url: url(code), headers: admin, payload });

const declaration = {
  type: 'object',
  required: ['hoTenTreEm', 'ngaySinh'],
  additionalProperties: false,
  properties: {
    hoTenTreEm: { type: 'string', title: 'Họ và tên trẻ em', minLength: 1, maxLength: 100 },
    ngaySinh: { type: 'string', title: 'Ngày sinh', format: 'date' },
    gioiTinh: { type: 'string', title: 'Giới tính', enum: ['Nam', 'Nữ'] },
    queQuan: { $ref: '#/definitions/address' },
  },
  definitions: { address: { type: 'string', maxLength: 300 } },
};
const online = {
  ...birthRegistration,
  form: declaration,
  components: [
    { name: 'Giấy chứng sinh', required: true, mediaTypes: ['application/pdf', 'image/jpeg', 'image/png'], maxSizeMb: 5 },
    { name: 'Giấy tờ khác', mediaTypes: ['application/pdf'] },
  ],
};

t.test('a procedure version carries its e-form and per-component file rules; GET shows them', async (t) => {
  const res = await put('1.001193', online);
  t.equal(res.statusCode, 201, res.body);
  const doc = (await app.inject({ method: 'GET', url: url('1.001193') })).json();
  t.same(doc.form, declaration);
  t.same(doc.components[0], online.components[0]);
  t.same(doc.components[1], online.components[1]);
  const again = await put('1.001193', online);
  t.equal(again.json().version, 1, 'the same form again publishes nothing');
  const changed = await put('1.001193', { ...online, form: { ...declaration, required: ['hoTenTreEm'] } });
  t.equal(changed.json().version, 2, 'another form is a new version');
  const events = await hub.platform.store.readStream('procedure-1.001193');
  t.same((events[1]!.data as { form: unknown }).form, { ...declaration, required: ['hoTenTreEm'] }, 'the event carries the new form');
});

t.test('a broken e-form schema is a 400 naming the place, and publishes nothing', async (t) => {
  const cases: [string, unknown, string][] = [
    ['not an object', [1, 2], 'form'],
    ['unknown keyword (strict)', { type: 'object', properties: { a: { type: 'string', minLenght: 1 } } }, 'form'],
    ['wrong keyword type', { type: 'object', properties: { a: { type: 'string', minLength: 'one' } } }, 'form'],
    ['not an object form', { type: 'string' }, 'form.type'],
    ['dangling $ref', { type: 'object', properties: { a: { $ref: '#/definitions/missing' } } }, 'form'],
    ['remote $ref', { type: 'object', properties: { a: { $ref: 'https://example.org/x.json' } } }, 'form.properties.a.$ref'],
    ['unknown type', { type: 'object', properties: { a: { type: 'text' } } }, 'form'],
    ['too deep', nest(20), 'form'],
    ['long pattern', { type: 'object', properties: { a: { type: 'string', pattern: 'a'.repeat(300) } } }, 'form.properties.a.pattern'],
    ['$async', { type: 'object', $async: true }, 'form.$async'],
  ];
  for (const [label, form, field] of cases) {
    const res = await put('1.000002', { ...birthRegistration, form });
    t.equal(res.statusCode, 400, `${label}: ${res.body}`);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', label);
    const body = res.json() as { status: number; errors?: { path: string; message: string }[] };
    t.equal(body.status, 400, label);
    t.ok(JSON.stringify(body).includes(field.split('.')[0]!), `${label} names ${field}: ${res.body}`);
  }
  t.equal((await app.inject({ method: 'GET', url: url('1.000002') })).statusCode, 404, 'nothing published');
});

t.test('component file rules are checked', async (t) => {
  const bad = [
    { components: [{ name: 'A', mediaTypes: ['text/html'] }] },
    { components: [{ name: 'A', mediaTypes: [] }] },
    { components: [{ name: 'A', maxSizeMb: 0 }] },
    { components: [{ name: 'A', maxSizeMb: 1000 }] },
    { components: [{ name: 'A', required: 'yes' }] },
    { components: [{ name: 'A' }, { name: 'A' }] },
  ];
  for (const overrides of bad) {
    const res = await put('1.000003', { ...birthRegistration, ...overrides });
    t.equal(res.statusCode, 400, `${JSON.stringify(overrides)}: ${res.body}`);
    t.match(res.body, /components/);
  }
});

function nest(depth: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < depth; i++) schema = { type: 'object', properties: { a: schema } };
  return schema;
}
