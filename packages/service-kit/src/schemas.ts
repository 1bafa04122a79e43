import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** The JSON Schemas of the public payloads live in the repository's `schemas/` folder. */
export const SCHEMAS_DIR = fileURLToPath(new URL('../../../schemas/', import.meta.url));

let cache: Array<{ $id: string }> | undefined;

export function loadSchemas(): ReadonlyArray<{ $id: string }> {
  cache ??= readdirSync(SCHEMAS_DIR)
    .filter((f) => f.endsWith('.schema.json'))
    .sort()
    .map((f) => {
      const schema = JSON.parse(readFileSync(`${SCHEMAS_DIR}${f}`, 'utf8')) as { $id?: string };
      if (!schema.$id) throw new Error(`schemas/${f} has no $id`);
      return schema as { $id: string };
    });
  return cache;
}

/** Makes every schema referable from routes as `{ $ref: '<$id>#' }`. */
export function registerSchemas(app: FastifyInstance): void {
  for (const schema of loadSchemas()) app.addSchema(schema);
}
