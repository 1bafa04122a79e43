import { z } from 'zod';
import { ConnectorKinds } from '../domain/events.js';

/** Connector ids are path segments and stream names: short, plain. */
export const CONNECTOR_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/u;

const connectorId = z
  .string()
  .regex(CONNECTOR_ID_PATTERN, 'lower-case letters, digits, . _ - (at most 64, starting with a letter or digit)');
const eventType = z.string().regex(/^[A-Za-z][A-Za-z0-9.]{0,99}$/u, 'an event type name');
const organId = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.]{0,34}$/u, 'an organisation id');

export const registerBody = z
  .object({
    connectorId,
    kind: z.enum(ConnectorKinds),
    url: z.string().min(1).max(2000),
    /** webhook: `whsec_…` (generated when absent); dvcqg: the portal's access token. */
    secret: z.string().min(8).max(512).optional(),
    eventTypes: z.array(eventType).max(100).optional(),
    agencyIds: z.array(organId).max(1000).optional(),
  })
  .strict();

export const idParams = z.object({ id: connectorId }).strict();
export const replayBody = z.object({ fromPosition: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict();
export const retryBody = z
  .object({ positions: z.array(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)).min(1).max(10_000).optional() })
  .strict()
  .optional();

/** The JSON Schema /docs shows for a zod schema (zod stays the one check). */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
  return rest;
}
