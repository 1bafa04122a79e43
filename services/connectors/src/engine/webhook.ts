import { withoutSealed, type ConnectorKindAdapter } from './connector.js';
import { webhookSigner, type WebhookSigner } from './signature.js';

/** The signers of the secrets in use (one connector delivers many events with one secret). */
const signers = new Map<string, WebhookSigner>();
function signerOf(secret: string): WebhookSigner {
  let signer = signers.get(secret);
  if (!signer) {
    if (signers.size >= 64) signers.clear();
    signers.set(secret, (signer = webhookSigner(secret)));
  }
  return signer;
}

/**
 * Standard Webhooks: `webhook-id` is the event id (the same on every retry, so receivers
 * dedupe), `webhook-timestamp` the attempt's time, `webhook-signature` `v1,<HMAC-SHA256>`: the
 * `standardwebhooks` package's signature, computed with node:crypto (`signature.ts`). Body `{type, id, position, stream, data}`, sealed data left out.
 */
export const webhookKind: ConnectorKindAdapter = {
  defaultEventTypes: null,
  streamPrefixes: null,
  build(event, { secret }) {
    const body = JSON.stringify({
      type: event.type,
      id: event.id,
      position: event.position,
      stream: event.stream,
      data: withoutSealed(event.data),
    });
    const seconds = Math.floor(Date.now() / 1000);
    const signature = signerOf(secret).sign(event.id, seconds, body);
    return Promise.resolve({
      headers: { 'webhook-id': event.id, 'webhook-timestamp': String(seconds), 'webhook-signature': signature },
      body,
    });
  },
  interpret(answer) {
    if (answer.status >= 200 && answer.status < 300) return { ok: true };
    return { ok: false, permanent: false, reason: `http-${answer.status}` };
  },
};
