import t from 'tap';
import { readFileSync } from 'node:fs';
import { SCHEMAS_DIR } from '@lienthong/service-kit';
import { catalogJsonSchemas } from './json-schemas.js';

t.test('schemas/ files match the zod schemas (run `pnpm --filter @lienthong/catalog schemas`)', async (t) => {
  for (const { file, schema } of catalogJsonSchemas()) {
    t.same(JSON.parse(readFileSync(`${SCHEMAS_DIR}${file}`, 'utf8')), schema, file);
  }
});
