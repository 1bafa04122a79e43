import { z } from 'zod';
import { EdxmlDocumentJson, EdxmlStatusJson } from './model.js';

/** `$id`s of the published schemas (files in `schemas/` at the repository root). */
export const DOCUMENT_SCHEMA_ID = 'https://lienthong.gov.vn/schemas/edxml-document.schema.json';
export const STATUS_SCHEMA_ID = 'https://lienthong.gov.vn/schemas/edxml-status.schema.json';

function toSchema(schema: z.ZodType, id: string, title: string, description: string): Record<string, unknown> {
  // Draft-07: what a default `new Ajv()` compiles, like the rest of `schemas/`.
  const generated = z.toJSONSchema(schema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: id, title, description, ...rest };
}

/** JSON Schema of the JSON form of an edXML document (generated from the zod model). */
export function documentJsonSchema(): Record<string, unknown> {
  return toSchema(
    EdxmlDocumentJson,
    DOCUMENT_SCHEMA_ID,
    'edXML document (JSON form)',
    'An edXML (QCVN 102:2016/BTTTT) document as JSON. Attachments carry base64 `content`, or `sha256` for content the hub already stores. Generated from @lienthong/edxml src/model.ts.',
  );
}

/** JSON Schema of the JSON form of an edXML status message (generated from the zod model). */
export function statusJsonSchema(): Record<string, unknown> {
  return toSchema(
    EdxmlStatusJson,
    STATUS_SCHEMA_ID,
    'edXML status message (JSON form)',
    'An edXML (QCVN 102:2016/BTTTT) status message as JSON. Generated from @lienthong/edxml src/model.ts.',
  );
}
