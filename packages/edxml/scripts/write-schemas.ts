// Regenerates schemas/edxml-*.schema.json from the zod model: `npx tsx packages/edxml/scripts/write-schemas.ts`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { documentJsonSchema, statusJsonSchema } from '../src/json-schema.js';

const root = fileURLToPath(new URL('../../../schemas/', import.meta.url));
writeFileSync(`${root}edxml-document.schema.json`, `${JSON.stringify(documentJsonSchema(), null, 2)}\n`);
writeFileSync(`${root}edxml-status.schema.json`, `${JSON.stringify(statusJsonSchema(), null, 2)}\n`);
