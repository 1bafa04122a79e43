/**
 * Whole hubs (every module, document routing wired to federation) on loopback, for the
 * federation specs: the federation service's loopback hubs and peer registration
 * (`@lienthong/federation/testing`, the one helper) with every module, and the calls a vendor
 * system makes.
 */
import { startLoopbackHub as startHub, type LoopbackHub } from '@lienthong/federation/testing';
import { allModules } from '../modules.js';

export { addPeer, type LoopbackHub } from '@lienthong/federation/testing';

export type Auth = { authorization: string };

/** A whole hub named `organId` (every module), listening on a free loopback port; `env` adds configuration (LT_NATS_URL…). */
export function startLoopbackHub(organId: string, env: Record<string, string> = {}): Promise<LoopbackHub> {
  return startHub(organId, allModules, { env });
}

/** Stops the hubs and removes their data. */
export async function closeHubs(hubs: readonly LoopbackHub[]): Promise<void> {
  await Promise.all(hubs.map((h) => h.close()));
}

export interface Delivery {
  readonly deliveryId: string;
  readonly kind: 'document' | 'status';
  readonly documentId: string;
  readonly from: string;
  readonly to: string;
  readonly statusCode: string | null;
}

export async function inbox(h: LoopbackHub, auth: Auth): Promise<Delivery[]> {
  const res = await h.hub.app.inject({ method: 'GET', url: '/v1/inbox?limit=1000', headers: auth });
  if (res.statusCode !== 200) throw new Error(`inbox → ${res.statusCode} ${res.body}`);
  return res.json<{ items: Delivery[] }>().items;
}

export function post(h: LoopbackHub, auth: Auth, url: string, body: string | object, headers: Record<string, string> = {}) {
  return h.hub.app.inject({
    method: 'POST',
    url,
    headers: { ...auth, ...(typeof body === 'string' ? { 'content-type': 'application/xml' } : {}), ...headers },
    payload: body,
  });
}

export function get(h: LoopbackHub, auth: Auth, url: string) {
  return h.hub.app.inject({ method: 'GET', url, headers: auth });
}
