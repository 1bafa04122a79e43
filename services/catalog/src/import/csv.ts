import { parse } from 'csv-parse/sync';
import { validationError } from '@lienthong/service-kit';

/**
 * CSV form of a bulk import (RFC 4180: `,` separated, `"` quoted, UTF-8 with or without BOM).
 * The first line names the columns (any order, case and `_`/space ignored):
 * `code, name, field, agencyLevels, processingDays, fees, components, result, legalBasis, onlineLevel, effectiveFrom`
 * (`effectiveFrom`: the legal effective date, `YYYY-MM-DD` or an ISO date-time; empty: the time of the import).
 * List cells hold either a JSON array or `;`-separated items:
 * - agencyLevels: `province;district` (also `,` or `|` inside a quoted cell);
 * - legalBasis: `Luật Hộ tịch 2014;Nghị định 123/2015/NĐ-CP` (or one per line in a quoted cell);
 * - fees: `Lệ phí: 8000;Phí bản sao: 3.000` (`description: amount`, amount in VND, `.`/`,`/space thousands separators allowed);
 * - components: `Tờ khai;Giấy chứng sinh` (names only; use JSON for `copies` and `form`).
 * processingDays accepts a decimal point or comma (`0,5`); an empty result is null; empty optional cells are omitted.
 */
export const CSV_COLUMNS = [
  'code',
  'name',
  'field',
  'agencyLevels',
  'processingDays',
  'fees',
  'components',
  'result',
  'legalBasis',
  'onlineLevel',
  'effectiveFrom',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** A row of the import before validation: where it came from and its values. */
export interface ImportRow {
  /** 1-based data row number. */
  readonly row: number;
  /** CSV line the row starts on (the header is line 1); absent for JSON. */
  readonly line?: number;
  readonly value: unknown;
  /** Set when the row could not even be read (wrong number of cells). */
  readonly error?: string;
}

const key = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, '');
const columnByKey = new Map(CSV_COLUMNS.map((c) => [key(c), c]));

interface Parsed {
  record: string[];
  raw: string;
  info: { lines: number };
}

/** Parses the CSV text into rows; a malformed file or header is a 400 naming the line or columns. */
export function decodeCsv(text: string): ImportRow[] {
  let parsed: Parsed[];
  try {
    // One line ending, so that line numbers can be counted from the raw records.
    parsed = parse(text.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as Parsed[];
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw validationError(`malformed CSV: ${e.message}`, [{ path: `line/${e.lines ?? 1}`, message: e.message }]);
  }
  const [header, ...records] = parsed;
  if (!header) throw validationError('empty CSV: the first line must name the columns', [{ path: 'line/1', message: 'no header' }]);
  const columns = header.record.map((name) => columnByKey.get(key(name)));
  const headerErrors = [
    ...header.record.flatMap((name, i) =>
      columns[i] === undefined
        ? [{ path: `line/1/${name}`, message: `unknown column "${name}"; columns are ${CSV_COLUMNS.join(', ')}` }]
        : [],
    ),
    ...CSV_COLUMNS.filter((c) => columns.filter((x) => x === c).length > 1).map((c) => ({
      path: `line/1/${c}`,
      message: `column ${c} appears more than once`,
    })),
    ...(columns.includes('code') ? [] : [{ path: 'line/1/code', message: 'the code column is required' }]),
  ];
  if (headerErrors.length > 0) throw validationError(`invalid CSV header: ${headerErrors.map((e) => e.message).join('; ')}`, headerErrors);

  return records.map((r, index) => {
    // `info.lines` is the line the record ends on; its raw text also holds the blank lines skipped before it.
    const line = r.info.lines - (r.raw.replace(/^\n+/, '').replace(/\n$/, '').match(/\n/g)?.length ?? 0);
    if (r.record.length !== columns.length)
      return { row: index + 1, line, value: null, error: `has ${r.record.length} cells, the header has ${columns.length}` };
    const value: Record<string, unknown> = {};
    r.record.forEach((cell, i) => {
      const column = columns[i]!;
      const converted = convertCell(column, cell.trim());
      if (converted !== undefined) value[column] = converted;
    });
    return { row: index + 1, line, value };
  });
}

function convertCell(column: CsvColumn, cell: string): unknown {
  if (cell === '') return column === 'result' ? null : undefined;
  switch (column) {
    case 'code':
    case 'name':
    case 'field':
    case 'result':
    case 'effectiveFrom':
      return cell;
    case 'onlineLevel':
      return cell.toLowerCase();
    case 'processingDays':
      return /^\d+([.,]\d+)?$/.test(cell) ? Number(cell.replace(',', '.')) : cell;
    case 'agencyLevels':
      return list(cell, /[;,|]/).map((l) => (typeof l === 'string' ? l.toLowerCase() : l));
    case 'legalBasis':
      return list(cell, /[;\n]/);
    case 'components':
      return list(cell, /[;\n]/).map((name) => (typeof name === 'string' ? { name } : name));
    case 'fees':
      return list(cell, /[;\n]/).map((item) => (typeof item === 'string' ? fee(item) : item));
  }
}

/** A JSON array as is (its errors are reported by validation), otherwise the separated, trimmed, non-empty items. */
function list(cell: string, separator: RegExp): unknown[] {
  if (cell.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(cell);
      return Array.isArray(value) ? value : [value];
    } catch {
      return [cell]; // reported as a wrong item type
    }
  }
  return cell
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `description: amount`; the amount after the last colon, thousands separators removed. */
function fee(item: string): unknown {
  const colon = item.lastIndexOf(':');
  if (colon < 0) return { description: item, amount: 'missing (write "description: amount")' };
  const description = item.slice(0, colon).trim();
  const amountText = item.slice(colon + 1).trim();
  const grouped = /^\d{1,3}([., ]\d{3})+$/.test(amountText);
  const amount = grouped ? Number(amountText.replace(/[., ]/g, '')) : /^\d+$/.test(amountText) ? Number(amountText) : amountText;
  return { description, amount };
}
