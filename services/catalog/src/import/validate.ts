import type { ProcedureRecord } from '../events.js';
import { procedureImportRowSchema } from '../domain/procedure.js';
import type { ImportRow } from './csv.js';

/** One refused field of one row. `path` is `row/<n>/<field…>`. */
export interface ImportIssue {
  readonly path: string;
  readonly message: string;
  readonly row: number;
  readonly line?: number;
  readonly code?: string;
  /** The field, e.g. `fees[0].amount`; `(row)` for the row as a whole. */
  readonly field: string;
}

export interface ValidatedImport {
  readonly procedures: readonly { readonly code: string; readonly record: ProcedureRecord; readonly effectiveFrom?: string | undefined }[];
  readonly issues: readonly ImportIssue[];
}

const fieldOf = (path: readonly PropertyKey[]) =>
  path.reduce<string>((out, k) => (typeof k === 'number' ? `${out}[${k}]` : out === '' ? String(k) : `${out}.${String(k)}`), '');

/** Validates every row (nothing is written before all are valid); a code given twice is refused on its later rows. */
export function validateImport(rows: readonly ImportRow[]): ValidatedImport {
  const procedures: { code: string; record: ProcedureRecord; effectiveFrom?: string | undefined }[] = [];
  const issues: ImportIssue[] = [];
  const firstRowOf = new Map<string, number>();
  for (const row of rows) {
    const where = { row: row.row, ...(row.line !== undefined ? { line: row.line } : {}) };
    const code = typeof (row.value as { code?: unknown } | null)?.code === 'string' ? (row.value as { code: string }).code : undefined;
    const add = (field: string, message: string) =>
      issues.push({
        path: `row/${row.row}${field === '(row)' ? '' : `/${field}`}`,
        message,
        ...where,
        ...(code !== undefined ? { code } : {}),
        field,
      });
    if (row.error !== undefined) {
      add('(row)', row.error);
      continue;
    }
    const parsed = procedureImportRowSchema.safeParse(row.value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
        for (const k of keys) {
          const field = fieldOf(k === undefined ? issue.path : [...issue.path, k]) || '(row)';
          add(field, k === undefined ? issue.message : 'is not a procedure field');
        }
      }
      continue;
    }
    const { code: valid, effectiveFrom, ...record } = parsed.data;
    const first = firstRowOf.get(valid);
    if (first !== undefined) {
      add('code', `${valid} already appears on row ${first}`);
      continue;
    }
    firstRowOf.set(valid, row.row);
    procedures.push({ code: valid, record, effectiveFrom });
  }
  return { procedures, issues };
}
