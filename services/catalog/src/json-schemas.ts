import { z } from 'zod';
import { calendarYearBodySchema } from '@lienthong/calendar';
import { procedureImportRowSchema, procedurePutSchema } from './domain/procedure.js';

/**
 * The published JSON Schemas of the catalog's bodies, generated from the zod schemas that
 * validate them (`pnpm --filter @lienthong/catalog schemas` writes them into `schemas/`; a unit
 * test fails when a file is stale). Routes reference them by `$id`.
 */
export const CATALOG_SCHEMA_IDS = {
  procedurePut: 'lienthong/procedure-put',
  procedureImport: 'lienthong/procedure-import',
  calendarYear: 'lienthong/calendar-year',
} as const;

const draft7 = (schema: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
  return rest;
};

export function catalogJsonSchemas(): { file: string; schema: Record<string, unknown> }[] {
  return [
    {
      file: 'procedure.schema.json',
      schema: {
        $id: CATALOG_SCHEMA_IDS.procedurePut,
        title: 'Publish a procedure version',
        description:
          'Body of PUT /v1/catalog/procedures/:code: the full record of the new version (thủ tục hành chính). Generated from services/catalog/src/domain/procedure.ts.',
        ...draft7(procedurePutSchema),
      },
    },
    {
      file: 'procedure-import.schema.json',
      schema: {
        $id: CATALOG_SCHEMA_IDS.procedureImport,
        title: 'Bulk procedure import (JSON form)',
        description:
          'Body of POST /v1/admin/catalog/import as application/json: an array of procedure records with their codes. The CSV form is described in docs/services/catalog.md. Generated from services/catalog/src/domain/procedure.ts.',
        ...draft7(z.array(procedureImportRowSchema)),
      },
    },
    {
      file: 'calendar-year.schema.json',
      schema: {
        $id: CATALOG_SCHEMA_IDS.calendarYear,
        title: 'Working-day calendar of one year',
        description:
          'Body of PUT /v1/catalog/calendar/:year: days off and swapped working days (ngày làm bù, Saturdays or Sundays), all in that year. Generated from @lienthong/calendar calendarYearBodySchema.',
        ...draft7(calendarYearBodySchema),
      },
    },
  ];
}
