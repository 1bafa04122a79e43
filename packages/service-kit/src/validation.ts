import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler';

/** For every part: all faults reported, nothing silently removed, schema defaults filled in. */
const COMMON = { allErrors: true, removeAdditional: false, useDefaults: true } as const;

/** What Fastify hands the compiler for one part of one route (its declared type says less). */
interface RoutePart {
  readonly schema: { readonly properties?: Record<string, unknown>; readonly required?: readonly string[] } & Record<string, unknown>;
  readonly httpPart?: string;
}
type Compile = (part: RoutePart) => unknown;
type ExternalSchemas = Parameters<ReturnType<typeof AjvCompiler>>[0];

const pool = AjvCompiler();
// ajv-compiler's declared type is ajv's own compile; at run time Fastify calls it with the route part.
const compiler = (externalSchemas: ExternalSchemas, coerceTypes: 'array' | false): Compile =>
  pool(externalSchemas, { customOptions: { ...COMMON, coerceTypes } });

/** Header names are case-insensitive and Node gives them lower-cased (Fastify does this too, but not for a custom compiler). */
function lowerCaseHeaders(schema: RoutePart['schema']): RoutePart['schema'] {
  if (schema.properties === undefined) return schema;
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([name, s]) => [name.toLowerCase(), s]));
  return { ...schema, properties, ...(schema.required ? { required: schema.required.map((name) => name.toLowerCase()) } : {}) };
}

/**
 * One validator per request part. A query string, path parameters and headers arrive as text, so
 * their numbers and lists are coerced (`?limit=5`, one `?status=` as a list). A JSON body arrives
 * typed and is checked as sent, never coerced: `"12"` is no number, `5` no text, `["x"]` no "x".
 */
function buildValidator(externalSchemas: ExternalSchemas): Compile {
  const text = compiler(externalSchemas, 'array');
  const body = compiler(externalSchemas, false);
  return (part) => {
    if (part.httpPart === 'body') return body(part);
    return text(part.httpPart === 'headers' ? { ...part, schema: lowerCaseHeaders(part.schema) } : part);
  };
}

/** Fastify's `schemaController.compilersFactory.buildValidator` (its declared type, as above). */
export const requestValidators = buildValidator as unknown as ValidatorFactory;
