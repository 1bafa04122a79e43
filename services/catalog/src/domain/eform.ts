import { Ajv, type ErrorObject } from 'ajv';

/**
 * E-forms (tờ khai điện tử): a procedure version may carry `form`, the JSON Schema (draft-07) of
 * its declaration. Schemas come from admins and are compiled for every online submission, so a
 * schema is checked when it is PUT: it must compile under ajv's strict mode (unknown keywords,
 * broken `$ref`s and impossible types are refused), describe an object, stay small, and use no
 * remote references. A broken schema is the admin's 400, never a citizen's 500.
 */

/** Files a citizen may attach (SPEC §7): sniffed from their bytes at submission. */
export const ComponentMediaTypes = [
  'application/pdf',
  'image/jpeg',
  'image/png',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/xml',
] as const;
export type ComponentMediaType = (typeof ComponentMediaTypes)[number];

/** The largest e-form schema, as JSON text. */
export const EFORM_MAX_CHARS = 64 * 1024;
/** The deepest nesting of an e-form schema. */
export const EFORM_MAX_DEPTH = 12;
/** The longest `pattern` (regular expressions run on citizens' input). */
export const EFORM_MAX_PATTERN = 200;

/** One problem with an e-form schema: a JSON pointer inside it and what is wrong. */
export interface EFormSchemaIssue {
  readonly path: string;
  readonly message: string;
}

function newAjv(): Ajv {
  return new Ajv({ strict: true, allErrors: true, validateFormats: false, strictRequired: false, allowUnionTypes: true });
}

/** Depth, remote references and pattern lengths, walked without recursion limits beyond `EFORM_MAX_DEPTH`. */
function walk(value: unknown, path: string, depth: number, issues: EFormSchemaIssue[]): void {
  if (issues.length >= 20) return;
  if (depth > EFORM_MAX_DEPTH) {
    issues.push({ path, message: `must be nested at most ${EFORM_MAX_DEPTH} levels deep` });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}/${i}`, depth + 1, issues));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    const here = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if ((key === '$ref' || key === '$id' || key === '$schema') && typeof item === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(item))
      issues.push({ path: here, message: 'must not refer to another document' });
    if (key === 'pattern' && typeof item === 'string' && item.length > EFORM_MAX_PATTERN)
      issues.push({ path: here, message: `must have at most ${EFORM_MAX_PATTERN} characters` });
    walk(item, here, depth + 1, issues);
  }
}

/** What is wrong with an e-form schema; empty when it can be used. */
export function eformSchemaIssues(schema: unknown): EFormSchemaIssue[] {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema))
    return [{ path: '', message: 'must be a JSON Schema object' }];
  const text = JSON.stringify(schema);
  if (text.length > EFORM_MAX_CHARS) return [{ path: '', message: `must have at most ${EFORM_MAX_CHARS} characters as JSON` }];
  const issues: EFormSchemaIssue[] = [];
  walk(schema, '', 0, issues);
  if (issues.length > 0) return issues;
  const record = schema as Record<string, unknown>;
  if (record.type !== 'object') issues.push({ path: '/type', message: 'must be "object" (an e-form is a set of fields)' });
  if (record.$async !== undefined) issues.push({ path: '/$async', message: 'must not be given' });
  if (issues.length > 0) return issues;
  const ajv = newAjv();
  if (!ajv.validateSchema(schema)) return (ajv.errors ?? []).map(schemaIssue);
  try {
    ajv.compile(schema);
  } catch (error) {
    return [{ path: '', message: `does not compile: ${(error as Error).message}` }];
  }
  return [];
}

function schemaIssue(error: ErrorObject): EFormSchemaIssue {
  return { path: error.instancePath, message: error.message ?? 'is not a valid JSON Schema' };
}

/** One field of a declaration that fails its e-form: a JSON pointer into the form and the message. */
export interface EFormIssue {
  readonly path: string;
  readonly message: string;
}

/** A compiled e-form: `validate(form)` gives the failing fields (empty when the form is valid). */
export interface CompiledEForm {
  validate(form: unknown): EFormIssue[];
}

/** Compiles an e-form schema already accepted by `eformSchemaIssues`. */
export function compileEForm(schema: Readonly<Record<string, unknown>>): CompiledEForm {
  const check = newAjv().compile(schema);
  return {
    validate(form) {
      if (check(form)) return [];
      return (check.errors ?? []).map((e) => {
        const missing = e.keyword === 'required' ? (e.params as { missingProperty?: string }).missingProperty : undefined;
        const path = missing === undefined ? e.instancePath : `${e.instancePath}/${missing}`;
        return { path, message: e.message ?? 'is not valid' };
      });
    },
  };
}
