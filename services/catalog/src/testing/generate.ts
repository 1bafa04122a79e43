import type { AgencyLevel, ProcedureRecord } from '../events.js';

/** Realistic procedure names: an action, an object and a qualifier, across real fields (lĩnh vực). */
const FIELDS: Record<string, { actions: string[]; objects: string[] }> = {
  'Hộ tịch': {
    actions: ['Đăng ký', 'Đăng ký lại', 'Cấp bản sao', 'Thay đổi, cải chính'],
    objects: ['khai sinh', 'kết hôn', 'khai tử', 'nhận cha, mẹ, con', 'giám hộ', 'hộ tịch'],
  },
  'Đất đai': {
    actions: ['Đăng ký biến động', 'Cấp giấy chứng nhận', 'Gia hạn', 'Chuyển mục đích'],
    objects: ['quyền sử dụng đất', 'đất nông nghiệp', 'đất ở', 'tài sản gắn liền với đất'],
  },
  'Xây dựng': {
    actions: ['Cấp giấy phép', 'Điều chỉnh giấy phép', 'Gia hạn giấy phép', 'Thẩm định'],
    objects: ['xây dựng nhà ở riêng lẻ', 'xây dựng công trình', 'sửa chữa, cải tạo', 'di dời công trình'],
  },
  'Đăng ký kinh doanh': {
    actions: ['Đăng ký thành lập', 'Thay đổi nội dung đăng ký', 'Tạm ngừng', 'Giải thể'],
    objects: ['hộ kinh doanh', 'hợp tác xã', 'doanh nghiệp tư nhân', 'công ty trách nhiệm hữu hạn'],
  },
  'Giáo dục và đào tạo': {
    actions: ['Cho phép thành lập', 'Công nhận', 'Cấp bằng', 'Chuyển trường'],
    objects: ['trường mầm non', 'trường tiểu học', 'trung tâm ngoại ngữ', 'học sinh trung học cơ sở'],
  },
  'Y tế': {
    actions: ['Cấp chứng chỉ hành nghề', 'Cấp giấy phép hoạt động', 'Cấp lại', 'Công bố'],
    objects: ['khám bệnh, chữa bệnh', 'nhà thuốc', 'phòng khám đa khoa', 'cơ sở đủ điều kiện'],
  },
  'Lao động, thương binh và xã hội': {
    actions: ['Giải quyết', 'Hưởng', 'Thôi hưởng', 'Điều chỉnh'],
    objects: ['trợ cấp xã hội', 'chế độ ưu đãi người có công', 'trợ cấp thất nghiệp', 'hỗ trợ học nghề'],
  },
  'Tư pháp': {
    actions: ['Chứng thực', 'Cấp phiếu', 'Đăng ký', 'Công chứng'],
    objects: ['bản sao từ bản chính', 'lý lịch tư pháp', 'giao dịch bảo đảm', 'hợp đồng, giao dịch'],
  },
};
const QUALIFIERS = [
  '',
  '',
  '',
  ' có yếu tố nước ngoài',
  ' trực tuyến',
  ' cho người nước ngoài',
  ' tại cấp xã',
  ' trong khu công nghiệp',
  ' lần đầu',
  ' do mất, hỏng',
];
const LEVEL_SETS: AgencyLevel[][] = [['commune'], ['district'], ['province'], ['province', 'district'], ['district', 'commune']];

/** A deterministic pseudo-random generator (mulberry32), so benches and tests see the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` procedures with distinct codes and realistic Vietnamese names. */
export function generateProcedures(n: number, seed = 42): Array<ProcedureRecord & { code: string }> {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const fields = Object.keys(FIELDS);
  return Array.from({ length: n }, (_, i) => {
    const field = pick(fields);
    const { actions, objects } = FIELDS[field]!;
    const code = `${1 + (i % 2)}.${String(100000 + i * 7).padStart(6, '0')}`;
    return {
      code,
      name: `${pick(actions)} ${pick(objects)}${pick(QUALIFIERS)}`.trim(),
      field,
      agencyLevels: pick(LEVEL_SETS),
      processingDays: pick([0.5, 1, 3, 5, 7, 10, 15, 20, 30]),
      fees: next() < 0.5 ? [] : [{ description: 'Lệ phí', amount: Math.round(next() * 100) * 1000 }],
      components: [
        { name: 'Tờ khai', copies: 1, form: 'Mẫu 01' },
        { name: 'Bản sao giấy tờ tùy thân', copies: 1 },
      ],
      result: next() < 0.9 ? 'Quyết định' : null,
      legalBasis: ['Nghị định 63/2010/NĐ-CP', 'Nghị định 42/2022/NĐ-CP'],
      onlineLevel: next() < 0.5 ? 'full' : 'partial',
    };
  });
}

const cell = (value: string) => (/[",\n;]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** The same procedures as an import CSV (semicolon lists, JSON components), with a BOM. */
export function toCsv(procedures: ReadonlyArray<ProcedureRecord & { code: string }>): string {
  const header = 'code,name,field,agencyLevels,processingDays,fees,components,result,legalBasis,onlineLevel';
  const lines = procedures.map((p) =>
    [
      p.code,
      cell(p.name),
      cell(p.field),
      p.agencyLevels.join(';'),
      String(p.processingDays),
      cell(p.fees.map((f) => `${f.description}: ${f.amount}`).join(';')),
      cell(JSON.stringify(p.components)),
      cell(p.result ?? ''),
      cell(p.legalBasis.join(';')),
      p.onlineLevel,
    ].join(','),
  );
  return `\ufeff${[header, ...lines].join('\r\n')}\r\n`;
}
