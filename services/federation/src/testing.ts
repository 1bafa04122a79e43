/**
 * Hubs on loopback for the federation specs (`@lienthong/federation/testing`), the one helper the
 * federation service's specs and the hub's whole-hub specs share: a platform with the given
 * modules listening on a free loopback port, stopped and started again on the same port and data;
 * and a peer registered as an admin would (its identity read over HTTP, then `POST
 * /v1/admin/peers`), for in-process hubs and hubs in child processes alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHubKey, type ServiceModuleFactory } from '@lienthong/platform';
import { signRequest } from '@lienthong/http-signatures';
import { startTestHub, type TestHub } from '@lienthong/platform/testing';

export interface LoopbackHub {
  readonly organId: string;
  readonly dataDir: string;
  readonly baseUrl: string;
  /** The admin's `authorization` header. */
  readonly admin: { readonly authorization: string };
  /** The running hub (replaced by `restart`). */
  hub: TestHub;
  stop(): Promise<void>;
  /** Starts again on the same data directory and port. */
  restart(): Promise<void>;
  /** Stops it and removes its data directory unless it was given. */
  close(): Promise<void>;
}

export interface LoopbackHubOptions {
  /** Configuration added to the hub's (LT_NATS_URL…); LT_HUB_ORGAN_ID is the organ id. */
  readonly env?: Readonly<Record<string, string>>;
  /** Kept at close (default: a fresh temp directory, removed at close). */
  readonly dataDir?: string;
  /** Default: a free one. */
  readonly port?: number;
}

/** A hub named `organId` with these modules, listening on loopback. */
export async function startLoopbackHub(
  organId: string,
  modules: readonly ServiceModuleFactory[],
  options: LoopbackHubOptions = {},
): Promise<LoopbackHub> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lt-fed-'));
  const hubOptions = { dataDir, env: { LT_HUB_ORGAN_ID: organId, ...options.env } };
  let hub = await startTestHub(modules, hubOptions);
  const baseUrl = await hub.app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const port = Number(new URL(baseUrl).port);
  let running = true;
  const self: LoopbackHub = {
    organId,
    dataDir,
    baseUrl,
    admin: hub.admin,
    hub,
    async stop() {
      if (!running) return;
      running = false;
      await self.hub.close();
    },
    async restart() {
      await self.stop();
      hub = await startTestHub(modules, hubOptions);
      await hub.app.listen({ port, host: '127.0.0.1' });
      self.hub = hub;
      running = true;
    },
    async close() {
      await self.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}

/** Where an admin registers a peer: a hub's base URL and the admin's header. */
export interface PeerAdmin {
  readonly baseUrl: string;
  readonly admin: { readonly authorization: string };
}

/** Registers `peer` at `at` with these routes (identity read over HTTP, as an admin would); 201 or 200, else throws. */
export async function addPeer(
  at: PeerAdmin,
  peerId: string,
  peer: { readonly baseUrl: string },
  routes: readonly string[],
  kind: 'hub' | 'axis' = 'hub',
): Promise<void> {
  const identity = (await (await fetch(`${peer.baseUrl}/v1/federation/identity`)).json()) as {
    organId: string;
    keyId: string;
    publicKey: string;
  };
  const res = await fetch(`${at.baseUrl}/v1/admin/peers`, {
    method: 'POST',
    headers: { ...at.admin, 'content-type': 'application/json' },
    body: JSON.stringify({
      peerId,
      name: identity.organId,
      baseUrl: peer.baseUrl,
      keyId: identity.keyId,
      publicKey: identity.publicKey,
      routes,
      kind,
    }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST /v1/admin/peers → ${res.status} ${await res.text()}`);
}

/** POSTs an edXML body to `url` signed with the hub key of `from`, as its outbox would (a forged or malformed transfer from a real peer). */
export async function postSigned(from: { readonly hub: TestHub }, url: string, body: string): Promise<Response> {
  const key = loadHubKey(from.hub.platform.config.secretsDir);
  const bytes = Buffer.from(body, 'utf8');
  const headers = await signRequest(
    { method: 'POST', url, body: bytes, headers: { 'content-type': 'application/xml' } },
    { keyId: key.keyId, privateKey: key.privateKey },
  );
  return fetch(url, { method: 'POST', headers, body: bytes });
}
