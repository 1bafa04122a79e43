import { Webhook } from 'standardwebhooks';
import { withoutSealed, type ConnectorKindAdapter } from './connector.js';

/** The signer of the last secret used (one connector delivers many events with one secret). */
let signer: { readonly secret: string; readonly webhook: Webhook } | null = null;
function signerOf(secret: string): Webhook {
  if (signer?.secret !== secret) signer = { secret, webhook: new Webhook(secret) };
  return signer.webhook;
}

/**
 * Standard Webhooks: `webhook-id` is the event id (the same on every retry, so receivers
 * dedupe), `webhook-timestamp` the attempt's time, `webhook-signature` `v1,<HMAC-SHA256>` by the
 * `standardwebhooks` package. Body `{type, id, position, stream, data}`, sealed data left out.
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
    const now = new Date();
    const signature = signerOf(secret).sign(event.id, now, body);
    return Promise.resolve({
      headers: { 'webhook-id': event.id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature },
      body,
    });
  },
  interpret(answer) {
    if (answer.status >= 200 && answer.status < 300) return { ok: true };
    return { ok: false, permanent: false, reason: `http-${answer.status}` };
  },
};
