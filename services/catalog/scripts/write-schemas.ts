/** Writes the catalog's JSON Schemas into the repository's `schemas/` folder. */
import { writeFileSync } from 'node:fs';
import { SCHEMAS_DIR } from '@lienthong/service-kit';
import { catalogJsonSchemas } from '../src/json-schemas.js';

for (const { file, schema } of catalogJsonSchemas()) {
  writeFileSync(`${SCHEMAS_DIR}${file}`, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`schemas/${file}\n`);
}
