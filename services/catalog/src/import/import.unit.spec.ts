import t from 'tap';
import { isAppError } from '@lienthong/service-kit';
import { decodeCsv } from './csv.js';
import { validateImport } from './validate.js';

const header = 'code,name,field,agencyLevels,processingDays,fees,components,result,legalBasis,onlineLevel';

t.test('CSV: BOM, quoted commas, list cells, decimal comma, multi-line cells', async (t) => {
  const csv = [
    `\ufeff${header}`,
    '1.001193,"Đăng ký khai sinh, có yếu tố nước ngoài",Hộ tịch,province;district,"0,5","Lệ phí: 8.000;Phí bản sao: 3000","Tờ khai;Giấy chứng sinh",Giấy khai sinh,"Luật Hộ tịch 2014',
    'Nghị định 123/2015/NĐ-CP",full',
    '',
    '2.000635.H40,Cấp phép xây dựng,Xây dựng,"[""district""]",15,,"[{""name"":""Đơn"",""copies"":2,""form"":""Mẫu 01""}]",,,Partial',
  ].join('\r\n');
  const rows = decodeCsv(csv);
  t.equal(rows.length, 2);
  t.same(rows[0], {
    row: 1,
    line: 2,
    value: {
      code: '1.001193',
      name: 'Đăng ký khai sinh, có yếu tố nước ngoài',
      field: 'Hộ tịch',
      agencyLevels: ['province', 'district'],
      processingDays: 0.5,
      fees: [
        { description: 'Lệ phí', amount: 8000 },
        { description: 'Phí bản sao', amount: 3000 },
      ],
      components: [{ name: 'Tờ khai' }, { name: 'Giấy chứng sinh' }],
      result: 'Giấy khai sinh',
      legalBasis: ['Luật Hộ tịch 2014', 'Nghị định 123/2015/NĐ-CP'],
      onlineLevel: 'full',
    },
  });
  t.equal(rows[1]!.line, 5, 'line counts the multi-line cell and the blank line');
  t.same(rows[1]!.value, {
    code: '2.000635.H40',
    name: 'Cấp phép xây dựng',
    field: 'Xây dựng',
    agencyLevels: ['district'],
    processingDays: 15,
    components: [{ name: 'Đơn', copies: 2, form: 'Mẫu 01' }],
    result: null,
    onlineLevel: 'partial',
  });
  const { procedures, issues } = validateImport(rows);
  t.same(issues, []);
  t.equal(procedures.length, 2);
  t.same(procedures[1]!.record.fees, [], 'empty list cell → default');
});

t.test('CSV header problems are refused before the rows', async (t) => {
  const caught = (fn: () => unknown): { errors?: unknown; message: string } => {
    try {
      fn();
    } catch (error) {
      return error as { errors?: unknown; message: string };
    }
    throw new Error('did not throw');
  };
  const error = caught(() => decodeCsv('code,nmae,Field\n1.000001,x,y\n'));
  t.ok(isAppError(error));
  t.match((error as { errors: unknown }).errors, [{ path: 'line/1/nmae', message: /unknown column/ }]);
  const noCode = caught(() => decodeCsv('name,field\nx,y\n'));
  t.match(noCode.errors, [{ path: 'line/1/code' }]);
  const unclosed = caught(() => decodeCsv(`${header}\n1.000001,"x\n`));
  t.match(unclosed.message, /malformed CSV/);
  t.match(unclosed.errors, [{ path: /^line\/\d+$/ }]);
  t.throws(() => decodeCsv(''), { code: 'LT_VALIDATION' }, 'empty file');
});

t.test('every bad row and field is named', async (t) => {
  const rows = decodeCsv(
    [
      header,
      '1.000001,Good,F,commune,1,,,,,full',
      '1.04,,F,town,abc,Lệ phí,,,,half',
      '1.000001,Again,F,commune,1,,,,,full',
      '1.000002,Too few cells',
    ].join('\n'),
  );
  const { procedures, issues } = validateImport(rows);
  t.equal(procedures.length, 1);
  const byRow = (row: number) =>
    issues
      .filter((i) => i.row === row)
      .map((i) => i.field)
      .sort();
  t.same(byRow(2), ['agencyLevels[0]', 'code', 'fees[0].amount', 'name', 'onlineLevel', 'processingDays']);
  t.ok(
    issues.every((i) => i.row !== 2 || i.line === 3),
    'line of row 2',
  );
  t.match(
    issues.find((i) => i.row === 3),
    { field: 'code', message: /row 1/, code: '1.000001' },
  );
  t.match(
    issues.find((i) => i.row === 4),
    { field: '(row)', message: /2 cells/ },
  );
  t.ok(issues.every((i) => i.path.startsWith(`row/${i.row}`)));
});

t.test('JSON rows: unknown fields named', async (t) => {
  const { issues } = validateImport([
    {
      row: 1,
      value: { code: '1.000001', name: 'x', field: 'y', agencyLevels: ['commune'], processingDays: 1, onlineLevel: 'full', fee: [] },
    },
  ]);
  t.match(issues, [{ row: 1, field: 'fee', message: /not a procedure field/ }]);
});
