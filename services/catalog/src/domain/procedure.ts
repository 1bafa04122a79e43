import { z } from 'zod';
import { VN_UTC_OFFSET_MS } from '@lienthong/calendar';
import { AgencyLevels, OnlineLevels, type ProcedureRecord } from '../events.js';
import { ComponentMediaTypes, eformSchemaIssues } from './eform.js';

/**
 * Procedure codes: the national code `D.NNNNNN` (e.g. `1.004227`, `2.000635`), optionally
 * followed by the id of the agency that publishes a local variant, as dot-separated groups of
 * upper-case letters and digits in either organisation-id form (`1.004227.H40`,
 * `2.000635.000.00.00.H40`). The suffix follows the identifier rules of SPEC §2: at most 35
 * characters. Codes are case-sensitive (`h40` is refused, not folded).
 */
export const PROCEDURE_CODE_PATTERN = /^[0-9]\.[0-9]{6}(?:\.[0-9A-Z]+)*$/;
export const PROCEDURE_CODE_MAX_LENGTH = 8 + 1 + 35;

export const procedureCodeSchema = z
  .string()
  .max(PROCEDURE_CODE_MAX_LENGTH, `must have at most ${PROCEDURE_CODE_MAX_LENGTH} characters`)
  .regex(PROCEDURE_CODE_PATTERN, 'must be a procedure code like 1.004227, optionally followed by an agency id (1.004227.H40)');

export function isProcedureCode(code: string): boolean {
  return procedureCodeSchema.safeParse(code).success;
}

/** Text trimmed and in NFC (some systems send decomposed Vietnamese), never empty. */
const text = (max: number) =>
  z
    .string()
    .overwrite((s) => s.normalize('NFC'))
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must have at most ${max} characters`);

const unique = <T>(values: readonly T[]) => new Set(values).size === values.length;

/** An e-form schema (tờ khai điện tử): a JSON Schema that ajv compiles (see `eform.ts`); each problem is an issue at its place. */
const eformSchema = z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
  for (const issue of eformSchemaIssues(schema))
    ctx.addIssue({
      code: 'custom',
      message: issue.message,
      path:
        issue.path === ''
          ? []
          : issue.path
              .slice(1)
              .split('/')
              .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~')),
    });
});

/** Every field of a procedure version; defaults fill the optional lists. The single source of the JSON Schema in `schemas/procedure.schema.json`. */
export const procedureRecordSchema = z.strictObject({
  name: text(500),
  field: text(200),
  agencyLevels: z.array(z.enum(AgencyLevels)).min(1, 'must list at least one level').refine(unique, 'must not repeat a level'),
  processingDays: z.number().min(0).max(1000),
  fees: z
    .array(z.strictObject({ description: text(500), amount: z.number().int('must be a whole number of VND').min(0).max(1e12) }))
    .max(50)
    .default([]),
  components: z
    .array(
      z.strictObject({
        name: text(500),
        copies: z.number().int().min(1).max(100).exactOptional(),
        form: text(500).exactOptional(),
        required: z.boolean().exactOptional(),
        mediaTypes: z
          .array(z.enum(ComponentMediaTypes))
          .min(1, 'must list at least one media type')
          .refine(unique, 'must not repeat a media type')
          .exactOptional(),
        maxSizeMb: z.number().gt(0).max(100).exactOptional(),
      }),
    )
    .max(100)
    .refine((components) => unique(components.map((c) => c.name)), 'must not repeat a component name (files are named by component)')
    .default([]),
  result: text(500).nullable().default(null),
  legalBasis: z.array(text(500)).max(100).default([]),
  onlineLevel: z.enum(OnlineLevels),
  form: eformSchema.exactOptional(),
});

/**
 * An instant (ISO string, UTC) from an ISO-8601 date or date-time with offset: a date is 00:00 on
 * the Vietnam clock (Asia/Ho_Chi_Minh, UTC+7), the day a legal text says it comes into force.
 */
export function effectiveInstant(value: string): string {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) - VN_UTC_OFFSET_MS : Date.parse(value);
  return new Date(ms).toISOString();
}

/** The legal effective date (ngày hiệu lực), normalised to an instant; years 1900–9999. */
export const effectiveFromSchema = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be an ISO-8601 date (YYYY-MM-DD) or date-time with offset' })
  .refine((v) => Number(v.slice(0, 4)) >= 1900, 'must be in 1900 or later')
  .transform(effectiveInstant);

/** `PUT /v1/catalog/procedures/:code`: the record, with an optional `code` that must match the path, and `effectiveFrom` (default: the time of the PUT). */
export const procedurePutSchema = procedureRecordSchema.extend({
  code: procedureCodeSchema.optional(),
  effectiveFrom: effectiveFromSchema.optional(),
});
/** A body `procedurePutSchema` accepted (text trimmed, `effectiveFrom` an instant, defaults filled). */
export type ProcedurePut = z.output<typeof procedurePutSchema>;

/** The path parameters of a procedure's routes. */
export const procedureCodeParams = z.object({ code: procedureCodeSchema });

/** One row of a bulk import: the record, its code and `effectiveFrom` (default: the time of the import). */
export const procedureImportRowSchema = procedureRecordSchema.extend({
  code: procedureCodeSchema,
  effectiveFrom: effectiveFromSchema.optional(),
});

/** The record in a fixed key order, without `code`/`version` or unknown keys (what versions are compared on). */
export function recordOf(value: ProcedureRecord): ProcedureRecord {
  return {
    name: value.name,
    field: value.field,
    agencyLevels: [...value.agencyLevels],
    processingDays: value.processingDays,
    fees: value.fees.map((f) => ({ description: f.description, amount: f.amount })),
    components: value.components.map((c) => ({
      name: c.name,
      ...(c.copies !== undefined ? { copies: c.copies } : {}),
      ...(c.form !== undefined ? { form: c.form } : {}),
      ...(c.required !== undefined ? { required: c.required } : {}),
      ...(c.mediaTypes !== undefined ? { mediaTypes: [...c.mediaTypes] } : {}),
      ...(c.maxSizeMb !== undefined ? { maxSizeMb: c.maxSizeMb } : {}),
    })),
    result: value.result,
    legalBasis: [...value.legalBasis],
    onlineLevel: value.onlineLevel,
    ...(value.form !== undefined ? { form: value.form } : {}),
  };
}

/** Whether two records describe the same version (an identical PUT publishes nothing). */
export function sameRecord(a: ProcedureRecord, b: ProcedureRecord): boolean {
  return canonicalJson(recordOf(a)) === canonicalJson(recordOf(b));
}

/** JSON with object keys sorted at every level (the event store keeps events in this form, so an e-form read back has its keys sorted). */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : item,
  );
}
