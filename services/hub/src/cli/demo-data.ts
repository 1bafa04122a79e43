/**
 * The demo province (Khánh Hòa, H40): agencies with QCVN 102 ids (`000.00.12.H40`) and
 * QĐ 20/2020 alternative ids (`H40.12`), vendor systems, procedures with Vietnamese names.
 * Deterministic for a given seed.
 */

/** mulberry32: small, seeded, good enough for demo data. */
export function rng(seed: number): { next(): number; int(max: number): number; pick<T>(items: readonly T[]): T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (max) => Math.floor(next() * max), pick: (items) => items[Math.floor(next() * items.length)]! };
}

export interface DemoAgency {
  readonly organId: string;
  readonly altIds: readonly string[];
  readonly name: string;
  readonly level: 'province' | 'district' | 'commune';
  readonly parentId?: string;
}

const DEPARTMENTS = [
  'Sở Tư pháp',
  'Sở Xây dựng',
  'Sở Tài nguyên và Môi trường',
  'Sở Kế hoạch và Đầu tư',
  'Sở Giao thông vận tải',
  'Sở Y tế',
  'Sở Giáo dục và Đào tạo',
  'Sở Lao động - Thương binh và Xã hội',
  'Sở Công Thương',
  'Sở Nông nghiệp và Phát triển nông thôn',
  'Sở Tài chính',
  'Sở Nội vụ',
  'Sở Văn hóa, Thể thao và Du lịch',
  'Sở Thông tin và Truyền thông',
  'Sở Khoa học và Công nghệ',
];
const DISTRICTS = [
  'Thành phố Nha Trang',
  'Thành phố Cam Ranh',
  'Thị xã Ninh Hòa',
  'Huyện Vạn Ninh',
  'Huyện Diên Khánh',
  'Huyện Khánh Vĩnh',
  'Huyện Khánh Sơn',
  'Huyện Cam Lâm',
  'Huyện Trường Sa',
];
const COMMUNES = [
  'Phường Lộc Thọ',
  'Phường Vĩnh Hải',
  'Phường Phước Long',
  'Xã Vĩnh Lương',
  'Phường Cam Nghĩa',
  'Xã Cam Thịnh Đông',
  'Phường Ninh Hiệp',
  'Xã Ninh Xuân',
  'Thị trấn Vạn Giã',
  'Xã Vạn Thắng',
  'Thị trấn Diên Khánh',
  'Xã Diên An',
  'Thị trấn Khánh Vĩnh',
  'Xã Khánh Bình',
  'Thị trấn Tô Hạp',
  'Xã Sơn Bình',
  'Thị trấn Cam Đức',
  'Xã Cam Hải Tây',
  'Thị trấn Trường Sa',
  'Xã Song Tử Tây',
  'Phường Vạn Thạnh',
  'Xã Phước Đồng',
  'Phường Ba Ngòi',
  'Xã Ninh Hưng',
  'Xã Diên Phú',
];
const pad2 = (n: number) => String(n).padStart(2, '0');

/** 1 province, 15 departments, 9 districts, 25 communes (50), ordered so that any prefix mixes every level. */
export function demoAgencies(count: number): DemoAgency[] {
  const province: DemoAgency = { organId: '000.00.00.H40', altIds: ['H40'], name: 'Ủy ban nhân dân tỉnh Khánh Hòa', level: 'province' };
  const departments = DEPARTMENTS.map((name, i): DemoAgency => ({
    organId: `000.00.${pad2(i + 1)}.H40`,
    altIds: [`H40.${pad2(i + 1)}`],
    name,
    level: 'province',
    parentId: province.organId,
  }));
  const districts = DISTRICTS.map((name, i): DemoAgency => ({
    organId: `000.00.${pad2(i + 21)}.H40`,
    altIds: [`H40.${pad2(i + 21)}`],
    name: `Ủy ban nhân dân ${name}`,
    level: 'district',
    parentId: province.organId,
  }));
  const communes = COMMUNES.map((name, i): DemoAgency => {
    const district = districts[i % districts.length]!;
    const z = pad2(Math.floor(i / districts.length) + 1);
    const y = district.organId.split('.')[2]!;
    return {
      organId: `000.${z}.${y}.H40`,
      altIds: [`H40.${y}.${z}`],
      name: `Ủy ban nhân dân ${name}`,
      level: 'commune',
      parentId: district.organId,
    };
  });
  // Scaled down, every level keeps its share; communes only under the districts kept.
  const n = Math.min(Math.max(count, 4), 50);
  const d = Math.max(1, Math.round((15 / 50) * n));
  const k = Math.max(1, Math.round((9 / 50) * n));
  const keptDistricts = districts.slice(0, k);
  const keptCommunes = communes.filter((c) => keptDistricts.some((x) => x.organId === c.parentId)).slice(0, Math.max(1, n - 1 - d - k));
  return [province, ...departments.slice(0, d), ...keptDistricts, ...keptCommunes];
}

export const VENDORS = ['Viettel', 'VNPT', 'Bkav'] as const;

const FIELDS: Array<{ field: string; level: 'province' | 'district' | 'commune'; acts: string[]; objects: string[] }> = [
  {
    field: 'Hộ tịch',
    level: 'commune',
    acts: ['Đăng ký', 'Đăng ký lại', 'Cấp bản sao trích lục'],
    objects: ['khai sinh', 'kết hôn', 'khai tử', 'nhận cha, mẹ, con', 'giám hộ', 'thay đổi, cải chính hộ tịch'],
  },
  {
    field: 'Chứng thực',
    level: 'commune',
    acts: ['Chứng thực'],
    objects: [
      'bản sao từ bản chính',
      'chữ ký',
      'hợp đồng, giao dịch',
      'việc sửa đổi hợp đồng',
      'di chúc',
      'văn bản thỏa thuận phân chia di sản',
    ],
  },
  {
    field: 'Đất đai',
    level: 'district',
    acts: ['Cấp', 'Cấp đổi', 'Đăng ký biến động', 'Đính chính'],
    objects: ['giấy chứng nhận quyền sử dụng đất', 'quyền sở hữu nhà ở', 'chuyển mục đích sử dụng đất', 'tách thửa, hợp thửa đất'],
  },
  {
    field: 'Xây dựng',
    level: 'district',
    acts: ['Cấp', 'Điều chỉnh', 'Gia hạn'],
    objects: [
      'giấy phép xây dựng nhà ở riêng lẻ',
      'giấy phép sửa chữa, cải tạo',
      'giấy phép di dời công trình',
      'giấy phép xây dựng có thời hạn',
    ],
  },
  {
    field: 'Đăng ký kinh doanh',
    level: 'province',
    acts: ['Đăng ký thành lập', 'Đăng ký thay đổi nội dung', 'Tạm ngừng kinh doanh của'],
    objects: [
      'doanh nghiệp tư nhân',
      'công ty trách nhiệm hữu hạn một thành viên',
      'công ty cổ phần',
      'hộ kinh doanh',
      'chi nhánh, văn phòng đại diện',
    ],
  },
  {
    field: 'Giao thông vận tải',
    level: 'province',
    acts: ['Cấp', 'Cấp đổi', 'Cấp lại'],
    objects: ['giấy phép lái xe', 'giấy phép kinh doanh vận tải', 'phù hiệu xe ô tô', 'giấy chứng nhận đăng ký xe máy chuyên dùng'],
  },
  {
    field: 'Lao động - Thương binh và Xã hội',
    level: 'district',
    acts: ['Giải quyết', 'Điều chỉnh', 'Thôi hưởng'],
    objects: ['trợ cấp xã hội hằng tháng', 'chế độ người có công', 'hỗ trợ chi phí mai táng', 'trợ cấp thất nghiệp'],
  },
  {
    field: 'Y tế',
    level: 'province',
    acts: ['Cấp', 'Cấp lại', 'Điều chỉnh'],
    objects: [
      'chứng chỉ hành nghề khám bệnh, chữa bệnh',
      'giấy phép hoạt động phòng khám',
      'giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm',
    ],
  },
  {
    field: 'Giáo dục và Đào tạo',
    level: 'province',
    acts: ['Công nhận', 'Cấp', 'Chuyển trường cho'],
    objects: ['văn bằng, chứng chỉ', 'bản sao văn bằng', 'học sinh trung học phổ thông', 'trường đạt chuẩn quốc gia'],
  },
  {
    field: 'Môi trường',
    level: 'province',
    acts: ['Cấp', 'Thẩm định'],
    objects: ['giấy phép môi trường', 'báo cáo đánh giá tác động môi trường', 'giấy phép khai thác nước dưới đất'],
  },
];

/** Procedure records for the catalog import (JSON form), with national-portal-like codes. */
export function demoProcedures(count: number, random: ReturnType<typeof rng>): Array<Record<string, unknown>> {
  const names: Array<{ name: string; field: (typeof FIELDS)[number] }> = [];
  for (const f of FIELDS) for (const act of f.acts) for (const object of f.objects) names.push({ name: `${act} ${object}`, field: f });
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) {
    const { name, field } = names[i % names.length]!;
    const round = Math.floor(i / names.length);
    out.push({
      code: `${field.level === 'province' ? 2 : 1}.${String(4000 + i * 7).padStart(6, '0')}`,
      name: round === 0 ? name : `${name} (trường hợp ${round + 1})`,
      field: field.field,
      agencyLevels:
        field.level === 'province' ? ['province'] : field.level === 'district' ? ['district', 'province'] : ['commune', 'district'],
      processingDays: [1, 3, 5, 7, 10, 15, 20, 30][random.int(8)],
      fees: random.next() < 0.5 ? [] : [{ description: `Lệ phí ${name.toLowerCase()}`, amount: (1 + random.int(20)) * 10_000 }],
      components: [
        { name: 'Tờ khai theo mẫu', copies: 1 },
        { name: 'Bản sao căn cước công dân', copies: 1 },
        ...(random.next() < 0.5 ? [{ name: 'Giấy tờ chứng minh quyền sử dụng', copies: 1 }] : []),
      ],
      result: `Kết quả: ${name.toLowerCase()}`,
      legalBasis: ['Nghị định 61/2018/NĐ-CP', 'Nghị định 107/2021/NĐ-CP'],
      onlineLevel: random.next() < 0.4 ? 'full' : 'partial',
    });
  }
  return out;
}

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'];
const MIDDLE = ['Văn', 'Thị', 'Hữu', 'Đức', 'Minh', 'Thanh', 'Ngọc', 'Quốc', 'Thu', 'Hoài'];
const GIVEN = [
  'An',
  'Bình',
  'Chi',
  'Dũng',
  'Giang',
  'Hà',
  'Hải',
  'Hạnh',
  'Hùng',
  'Lan',
  'Linh',
  'Long',
  'Mai',
  'Nam',
  'Nga',
  'Phong',
  'Phúc',
  'Quân',
  'Sơn',
  'Tâm',
  'Thảo',
  'Trang',
  'Tuấn',
  'Vy',
  'Yến',
];
const STREETS = ['Trần Phú', 'Lê Thánh Tôn', 'Yersin', 'Thống Nhất', 'Hùng Vương', '2 Tháng 4', 'Nguyễn Thị Minh Khai', 'Lý Tự Trọng'];

export function demoApplicant(random: ReturnType<typeof rng>, commune: string) {
  return {
    name: `${random.pick(FAMILY)} ${random.pick(MIDDLE)} ${random.pick(GIVEN)}`,
    idNumber: `0562${String(random.int(100_000_000)).padStart(8, '0')}`,
    phone: `09${String(random.int(100_000_000)).padStart(8, '0')}`,
    address: `Số ${1 + random.int(300)} đường ${random.pick(STREETS)}, ${commune}, tỉnh Khánh Hòa`,
  };
}

export const DOCUMENT_SUBJECTS = [
  'Về việc triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư',
  'Về việc báo cáo tình hình giải quyết thủ tục hành chính quý',
  'Về việc tăng cường công tác phòng chống thiên tai',
  'Về việc góp ý dự thảo quy hoạch sử dụng đất',
  'Về việc tổ chức hội nghị tổng kết công tác cải cách hành chính',
  'Về việc chuẩn bị các điều kiện bảo đảm cho kỳ nghỉ Tết Nguyên đán',
  'Về việc kiểm tra an toàn vệ sinh thực phẩm',
  'Về việc thực hiện chuyển đổi số trong cơ quan nhà nước',
];
