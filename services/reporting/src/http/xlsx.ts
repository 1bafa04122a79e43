import type { IndicatorRecord, ReportValues } from '../domain/events.js';

const LEVEL_LABELS: Record<string, string> = { province: 'Tỉnh', district: 'Huyện', commune: 'Xã' };
const STATE_LABELS: Record<string, string> = {
  'not-started': 'Chưa nhập',
  draft: 'Đang nhập',
  submitted: 'Đã gửi',
  returned: 'Bị trả lại',
  accepted: 'Đã duyệt',
};

interface AggregateLike {
  readonly regime: string;
  readonly period: string;
  readonly agencyId: string;
  readonly revision: number;
  readonly window: { readonly from: string; readonly to: string };
  readonly values: ReportValues;
  readonly missing: readonly string[];
  readonly stale: boolean;
  readonly indicators: Readonly<Record<string, IndicatorRecord>>;
}
interface StatusLike {
  readonly agencies: readonly { agencyId: string; name: string; level: string; parentId: string | null; state: string }[];
}

/**
 * The aggregate as a workbook: one column per indicator (Vietnamese name and unit in the headers),
 * one row per agency of the subtree (indented by depth), the agency's total on top.
 */
export async function aggregateWorkbook(
  aggregate: AggregateLike,
  status: StatusLike,
  valuesOf: (agencyId: string) => ReportValues,
): Promise<Buffer> {
  // Loaded on the first export, not at start: exceljs and its zip stack are a fifth of the hub's start-up.
  const { default: ExcelJS } = await import('exceljs');
  const book = new ExcelJS.Workbook();
  book.creator = 'lienthong';
  const sheet = book.addWorksheet(`Báo cáo ${aggregate.period}`);
  const codes = Object.keys(aggregate.indicators);
  sheet.addRow([
    `Chế độ báo cáo ${aggregate.regime} — kỳ ${aggregate.period} (chốt số liệu từ ${aggregate.window.from} đến ${aggregate.window.to}), phiên bản tổng hợp ${aggregate.revision}`,
  ]);
  const header = sheet.addRow(['Mã đơn vị', 'Tên đơn vị', 'Cấp', 'Trạng thái', ...codes.map((c) => aggregate.indicators[c]!.name)]);
  const units = sheet.addRow(['', '', '', 'Đơn vị tính', ...codes.map((c) => aggregate.indicators[c]!.unit)]);
  header.font = { bold: true };
  units.font = { italic: true };
  const depth = new Map<string, number>();
  for (const a of status.agencies) depth.set(a.agencyId, a.parentId !== null && depth.has(a.parentId) ? depth.get(a.parentId)! + 1 : 0);
  for (const a of status.agencies) {
    const values = a.agencyId === aggregate.agencyId ? aggregate.values : valuesOf(a.agencyId);
    const row = sheet.addRow([
      a.agencyId,
      `${'  '.repeat(depth.get(a.agencyId) ?? 0)}${a.name}`,
      LEVEL_LABELS[a.level] ?? a.level,
      STATE_LABELS[a.state] ?? a.state,
      ...codes.map((c) => values[c] ?? null),
    ]);
    if (a.agencyId === aggregate.agencyId) row.font = { bold: true };
  }
  if (aggregate.missing.length > 0) sheet.addRow([`Chưa có báo cáo được duyệt: ${aggregate.missing.join(', ')}`]);
  if (aggregate.stale) sheet.addRow(['Có số liệu đang được đính chính (đã mở lại sau khi duyệt)']);
  sheet.getColumn(2).width = 40;
  return Buffer.from(await book.xlsx.writeBuffer());
}
