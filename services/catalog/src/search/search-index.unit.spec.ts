import t from 'tap';
import { generateProcedures } from '../testing/generate.js';
import { indexed, searchProcedures } from './search-index.js';

const entries = generateProcedures(2000, 3).map(({ code, ...record }) => indexed(code, 1, '2026-01-01T00:00:00.000Z', record));

t.test('the best page selected while scanning equals the full sort used for deep pages', async (t) => {
  for (const q of ['dang ky', 'd', 'giay phep', '1.1', undefined]) {
    const all = searchProcedures(entries, { q, limit: 100, offset: 0 });
    const deep = searchProcedures(entries, { q, limit: 100, offset: 450 }); // offset + limit > 500: sorted path
    const deepSelected = searchProcedures(entries, { q, limit: 50, offset: 450 }); // exactly 500: selected path
    t.equal(deep.total, all.total, `${q}: total`);
    t.same(
      deep.items.slice(0, 50).map((i) => i.code),
      deepSelected.items.map((i) => i.code),
      `${q}: both paths agree at offset 450`,
    );
    const whole = searchProcedures(entries, { q, limit: 100_000, offset: 0 });
    t.same(
      whole.items.slice(0, 100).map((i) => i.code),
      all.items.map((i) => i.code),
      `${q}: first page is the head of the full ranking`,
    );
    t.equal(whole.items.length, all.total);
  }
});

t.test('ordering rules', async (t) => {
  const { code: _unused, ...base } = generateProcedures(1)[0]!;
  const mk = (code: string, name: string) => indexed(code, 1, 'x', { ...base, name, field: 'Hộ tịch' });
  const small = [
    mk('1.000003', 'Đăng ký lại khai sinh'),
    mk('1.000002', 'Đăng ký khai sinh có yếu tố nước ngoài'),
    mk('1.000001', 'Đăng ký khai sinh'),
    mk('1.000004', 'Cấp bản sao trích lục khai sinh'),
  ];
  t.same(
    searchProcedures(small, { q: 'dang ky khai sinh', limit: 10, offset: 0 }).items.map((i) => i.code),
    ['1.000001', '1.000002', '1.000003'],
    'exact name, name prefix, then all terms',
  );
  t.same(
    searchProcedures(small, { q: 'khai sinh', limit: 10, offset: 0 }).items.map((i) => i.code),
    ['1.000001', '1.000003', '1.000004', '1.000002'],
    'same score: shorter name first',
  );
  t.same(
    searchProcedures(small, { limit: 10, offset: 0 }).items.map((i) => i.code),
    ['1.000001', '1.000002', '1.000003', '1.000004'],
    'no query: by code',
  );
  t.same(
    searchProcedures(small, { q: '1.000004', limit: 10, offset: 0 }).items.map((i) => i.code),
    ['1.000004'],
  );
  t.same(searchProcedures(small, { q: 'ho tich', limit: 1, offset: 0 }).total, 4, 'terms match the field too');
  t.same(searchProcedures(small, { q: 'inh', limit: 10, offset: 0 }).total, 0, 'terms match word starts, not the middle of words');
});
