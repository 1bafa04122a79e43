import t from 'tap';
import { startTestHub } from '@lienthong/platform/testing';
import { directoryModule } from '@lienthong/platform';
import { catalogModule } from '../module.js';
import { procedure } from './test-fixtures.js';

const hub = await startTestHub([directoryModule, catalogModule]);
t.teardown(() => hub.close());
const { app, admin } = hub;

const seed = [
  { code: '1.001193', ...procedure('Đăng ký khai sinh') },
  { code: '1.001695', ...procedure('Đăng ký khai sinh có yếu tố nước ngoài', { agencyLevels: ['district'] }) },
  { code: '1.004884', ...procedure('Đăng ký lại khai sinh') },
  { code: '1.000894', ...procedure('Đăng ký kết hôn') },
  { code: '1.000656', ...procedure('Đăng ký khai tử') },
  {
    code: '2.000635',
    ...procedure('Cấp giấy phép xây dựng nhà ở riêng lẻ', { field: 'Xây dựng', agencyLevels: ['district'], onlineLevel: 'partial' }),
  },
  {
    code: '1.004227',
    ...procedure('Đăng ký biến động quyền sử dụng đất đai', { field: 'Đất đai', agencyLevels: ['province', 'district'] }),
  },
  { code: '1.004227.H40', ...procedure('Đăng ký biến động đất đai (Nghệ An)', { field: 'Đất đai', agencyLevels: ['province'] }) },
  { code: '2.001234', ...procedure('Khai sinh lưu động (đã bãi bỏ)') },
];

const search = async (query: string) => {
  const res = await app.inject({ method: 'GET', url: `/v1/catalog/procedures?${query}` });
  t.equal(res.statusCode, 200, `${query}: ${res.body.slice(0, 200)}`);
  return res.json<{ items: { code: string; name: string }[]; total: number; limit: number; offset: number }>();
};
const codes = async (query: string) => (await search(query)).items.map((i) => i.code);

t.before(async () => {
  const res = await app.inject({ method: 'POST', url: '/v1/admin/catalog/import', headers: admin, payload: seed });
  if (res.statusCode !== 200) throw new Error(res.body);
  await app.inject({ method: 'DELETE', url: '/v1/catalog/procedures/2.001234', headers: admin });
});

t.test('diacritics and case are ignored; đ/Đ → d', async (t) => {
  for (const q of ['dang ky khai sinh', 'ĐĂNG KÝ KHAI SINH', 'Dang Ky Khai Sinh', 'Đăng ký khai sinh'.normalize('NFD')]) {
    t.equal((await codes(`q=${encodeURIComponent(q)}`))[0], '1.001193', `${q} → Đăng ký khai sinh first`);
  }
  t.same((await codes(`q=${encodeURIComponent('ĐĂNG KÝ')}`)).length, 7, 'ĐĂNG KÝ: every Đăng ký');
  t.same(new Set(await codes('q=khai%20sinh')), new Set(['1.001193', '1.001695', '1.004884']), 'khai sinh (retired one excluded)');
  t.same(new Set(await codes('q=dat%20dai')), new Set(['1.004227', '1.004227.H40']), 'đất đai by dat dai');
  t.same(await codes('q=ket%20h'), ['1.000894'], 'last word as a prefix');
  t.same(await codes('q=xay%20dung%20khai'), [], 'every term must match');
});

t.test('ranking: exact name, then name prefix, then the rest', async (t) => {
  t.same(await codes('q=dang%20ky%20khai%20sinh'), ['1.001193', '1.001695', '1.004884']);
  t.same(
    await codes('q=khai%20sinh'),
    ['1.001193', '1.004884', '1.001695'],
    'same phrase score: the shorter (more specific) name first (bm25)',
  );
  t.same(new Set(await codes('q=sinh%20khai')), new Set(['1.001193', '1.001695', '1.004884']), 'words in another order still match');
  t.equal((await codes('q=dang%20ky%20khai%20tu'))[0], '1.000656');
});

t.test('codes: exact code first, prefixes, variants', async (t) => {
  t.same(await codes('q=1.004227'), ['1.004227', '1.004227.H40'], 'exact then its local variant');
  t.same(await codes('q=1.004227.h40'), ['1.004227.H40'], 'case-insensitive code');
  t.same(new Set(await codes('q=2.00')), new Set(['2.000635']), 'code prefix (retired 2.001234 excluded)');
});

t.test('filters and paging', async (t) => {
  t.same(new Set(await codes('field=Đất%20đai')), new Set(['1.004227', '1.004227.H40']));
  t.same(new Set(await codes('field=dat%20dai')), new Set(['1.004227', '1.004227.H40']), 'field ignores diacritics too');
  t.same(new Set(await codes('level=district')), new Set(['1.001695', '2.000635', '1.004227']));
  t.same(new Set(await codes('q=dang%20ky&level=province')), new Set(['1.004227', '1.004227.H40']), 'q and level');
  t.same(await codes('onlineLevel=partial'), ['2.000635']);
  const page1 = await search('q=dang%20ky&limit=3');
  const page3 = await search('q=dang%20ky&limit=3&offset=6');
  t.equal(page1.total, 7);
  t.equal(page1.items.length, 3);
  t.equal(page3.items.length, 1);
  t.equal(page3.total, 7);
  const beyond = await search('q=dang%20ky&limit=3&offset=30');
  t.same({ n: beyond.items.length, total: beyond.total }, { n: 0, total: 7 }, 'past the end: total still given');
  const all = await search('limit=100');
  t.equal(all.total, 8, 'no query: every procedure in force');
  t.same(
    all.items.map((i) => i.code),
    [...all.items.map((i) => i.code)].sort(),
    'ordered by code',
  );
  t.match(all.items[0], { code: String, version: 1, publishedAt: String, name: String, agencyLevels: Array, fees: Array });
});

t.test('bad queries', async (t) => {
  for (const q of ['level=ward', 'limit=0', 'limit=1000', 'offset=-1', 'foo=1']) {
    t.equal((await app.inject({ method: 'GET', url: `/v1/catalog/procedures?${q}` })).statusCode, 400, q);
  }
  t.same((await search('q=%22%27*()')).items, [], 'punctuation only: nothing, no SQL error');
  t.same((await search('q=NEAR%20AND%20OR')).items, [], 'FTS operators are plain words');
});
