/**
 * Whole hubs (every module, document routing wired to federation) on loopback, for the
 * federation specs: start, register peers as an admin would (identity read over HTTP), restart
 * on the same port and data, and the calls a vendor system makes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHub, type TestHub } from '@lienthong/platform/testing';
import { allModules } from '../modules.js';

export type Auth = { authorization: string };

export interface LoopbackHub {
  readonly organId: string;
  readonly dataDir: string;
  readonly baseUrl: string;
  /** The running hub (replaced by `restart`). */
  hub: TestHub;
  stop(): Promise<void>;
  /** Starts again on the same data directory and port. */
  restart(): Promise<void>;
}

/** A whole hub named `organId`, listening on a free loopback port; `env` adds configuration (LT_NATS_URL…). */
export async function startLoopbackHub(organId: string, env: Record<string, string> = {}): Promise<LoopbackHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-fed-'));
  const options = { dataDir, env: { LT_HUB_ORGAN_ID: organId, ...env } };
  let hub = await startTestHub(allModules, options);
  const baseUrl = await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const port = Number(new URL(baseUrl).port);
  let running = true;
  const self: LoopbackHub = {
    organId,
    dataDir,
    baseUrl,
    hub,
    async stop() {
      if (!running) return;
      running = false;
      await self.hub.close();
    },
    async restart() {
      await self.stop();
      hub = await startTestHub(allModules, options);
      await hub.app.listen({ port, host: '127.0.0.1' });
      self.hub = hub;
      running = true;
    },
  };
  return self;
}

/** Stops the hubs and removes their data. */
export async function closeHubs(hubs: readonly LoopbackHub[]): Promise<void> {
  await Promise.all(hubs.map((h) => h.stop()));
  for (const h of hubs) rmSync(h.dataDir, { recursive: true, force: true });
}

/** Registers `peer` at `at` with these routes (identity read over HTTP, as an admin would). */
export async function addPeer(at: LoopbackHub, peerId: string, peer: { baseUrl: string }, routes: string[], kind: 'hub' | 'axis' = 'hub') {
  const identity = (await (await fetch(`${peer.baseUrl}/v1/federation/identity`)).json()) as {
    organId: string;
    keyId: string;
    publicKey: string;
  };
  const res = await at.hub.app.inject({
    method: 'POST',
    url: '/v1/admin/peers',
    headers: at.hub.admin,
    payload: { peerId, name: identity.organId, baseUrl: peer.baseUrl, keyId: identity.keyId, publicKey: identity.publicKey, routes, kind },
  });
  if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`POST /v1/admin/peers → ${res.statusCode} ${res.body}`);
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
