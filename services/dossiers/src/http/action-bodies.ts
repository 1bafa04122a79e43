import type { ActionRequest } from '../domain/commands.js';
import type { DossierComponent } from '../domain/events.js';
import type { DossierAction } from '../domain/rules.js';

/** Text with at least one visible character, checked once trimmed (`trimText` runs before the schema). */
const text = (maxLength: number) =>
  ({ type: 'string', minLength: 1, maxLength, description: 'surrounding white space is trimmed before it is checked' }) as const;
const body = (properties: Record<string, object>, required: readonly string[] = []) =>
  ({ type: 'object', additionalProperties: false, required: [...required], properties }) as const;
const note = body({ note: text(2000) });
const reason = body({ reason: text(2000) }, ['reason']);
const component = {
  anyOf: [text(300), body({ name: text(300), copies: { type: 'integer', minimum: 1, maximum: 100 } }, ['name'])],
} as const;

/**
 * The body of each action (SPEC §4), the route's only validator and what /docs shows; unknown
 * members are refused so a typo cannot pass silently.
 */
export const ACTION_BODY_SCHEMAS = {
  accept: note,
  'confirm-payment': note,
  complete: note,
  'deliver-result': body({
    note: text(2000),
    files: {
      type: 'array',
      maxItems: 20,
      description: 'result files in the blob store, for the citizen to download online (SPEC §7)',
      items: body(
        {
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          name: text(255),
          mediaType: text(200),
          size: { type: 'integer', minimum: 0 },
        },
        ['sha256', 'name', 'mediaType'],
      ),
    },
  }),
  reject: reason,
  stop: reason,
  'request-withdrawal': reason,
  assign: body({ officer: text(100), department: text(200) }),
  'request-supplement': body({ reason: text(2000), items: { type: 'array', maxItems: 100, items: text(300) } }, ['reason']),
  supplement: body({ components: { type: 'array', maxItems: 100, items: component } }),
  'request-payment': body({ amount: { type: 'number', minimum: 0, maximum: 1e13 }, reason: text(2000) }, ['amount']),
  transfer: body({ toAgencyId: text(64), reason: text(2000) }, ['toAgencyId']),
  apologize: body({ reason: text(2000), newDueAt: { type: 'string', format: 'date-time' } }, ['reason', 'newDueAt']),
} satisfies Record<DossierAction, object>;

/** A body its route's schema accepted. */
export type ActionBody = Readonly<Record<string, unknown>>;

/**
 * Every text of a body trimmed, at any depth, before the route's schema checks it: the lengths
 * count what is kept, and blank text becomes empty, which `minLength` refuses. Other values are
 * left as sent (the schema refuses a wrong type; nothing is coerced).
 */
export const trimText = (value: unknown): unknown =>
  typeof value === 'string'
    ? value.trim()
    : Array.isArray(value)
      ? value.map(trimText)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimText(v)]))
        : value;

/** The action as the service takes it: a component given by name alone made `{ name }`. */
export function actionRequest(action: DossierAction, accepted: ActionBody): ActionRequest {
  const data: Record<string, unknown> = { ...accepted };
  if (action === 'supplement' && Array.isArray(data.components))
    data.components = data.components.map((c: unknown): DossierComponent =>
      typeof c === 'string' ? { name: c } : (c as DossierComponent),
    );
  // The schema of this action's route has checked the shape.
  return { action, ...data } as ActionRequest;
}
