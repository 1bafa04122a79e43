import { z } from 'zod';
import { parseWith } from '@lienthong/service-kit';
import type { ActionRequest } from '../domain/commands.js';
import type { DossierAction } from '../domain/rules.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const note = z.strictObject({ note: text(2000).optional() });
const reason = z.strictObject({ reason: text(2000) });
const component = z.union([text(300).transform((name) => ({ name })), z.strictObject({ name: text(300), copies: z.number().int().min(1).max(100).optional() })]);

/** Body of each action (SPEC §4); unknown members are refused so a typo cannot pass silently. */
const BODIES = {
  accept: note,
  'confirm-payment': note,
  complete: note,
  'deliver-result': note,
  reject: reason,
  stop: reason,
  'request-withdrawal': reason,
  assign: z.strictObject({ officer: text(100).optional(), department: text(200).optional() }),
  'request-supplement': z.strictObject({ reason: text(2000), items: z.array(text(300)).max(100).optional() }),
  supplement: z.strictObject({ components: z.array(component).max(100).optional() }),
  'request-payment': z.strictObject({ amount: z.number().nonnegative().max(1e13), reason: text(2000).optional() }),
  transfer: z.strictObject({ toAgencyId: text(64), reason: text(2000).optional() }),
  apologize: z.strictObject({ reason: text(2000), newDueAt: z.iso.datetime({ offset: true }) }),
} satisfies Record<DossierAction, z.ZodType>;

export function parseActionBody(action: DossierAction, body: unknown): ActionRequest {
  const data = parseWith(BODIES[action] as z.ZodType<Record<string, unknown>>, body ?? {}, 'body');
  return { action, ...data } as ActionRequest;
}
