import { createHmac, createSecretKey } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Signs `id.timestamp.body` as the Standard Webhooks `webhook-signature` header: `v1,<base64 HMAC-SHA256>`. */
export interface WebhookSigner {
  sign(id: string, timestampSeconds: number, body: string): string;
}

const PREFIX = 'whsec_';

/**
 * The signature of the `standardwebhooks` package (the reference, and what receivers verify with),
 * computed with node:crypto's HMAC-SHA256 (native, about 4× cheaper per delivery than the
 * package's pure-JavaScript SHA-256). `signature.unit.spec.ts` proves the two byte-identical over
 * random ids, timestamps, bodies (non-ASCII included) and secrets; the package still validates the
 * secret, so a secret it refuses is refused here too.
 */
export function webhookSigner(secret: string): WebhookSigner {
  new Webhook(secret); // throws on a secret the package refuses
  const key = createSecretKey(Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64'));
  return {
    sign: (id, timestampSeconds, body) =>
      `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body).digest('base64')}`,
  };
}
