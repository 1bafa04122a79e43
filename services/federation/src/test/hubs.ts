import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryModule } from '@lienthong/platform';
import { startTestHub, type TestHub } from '@lienthong/platform/testing';
import { realEdxmlDir } from '@lienthong/testing';
import { createFederationModule, type FederationOptions } from '../module.js';
import type { FederationHandle } from '../module.js';
import type { FederationInbound, InboundTransfer } from '@lienthong/federation-contract';

/** The real VNPT-style sample: From 002.00.20.H13, To 000.00.15.H51, one TraceHeader (01.02.G22). */
export const edoc = () => readFileSync(join(realEdxmlDir(), 'edoc.edxml'), 'utf8');

export interface FederatedHub {
  readonly hub: TestHub;
  readonly baseUrl: string;
  readonly federation: FederationHandle;
  /** What document routing would have been handed. */
  readonly received: InboundTransfer[];
  close(): Promise<void>;
}

/** A real platform with the federation module, listening on loopback, with a recording inbound. */
export async function startFederatedHub(
  organId: string,
  options: { dataDir?: string; port?: number; federation?: FederationOptions; received?: InboundTransfer[] } = {},
): Promise<FederatedHub> {
  const received = options.received ?? [];
  const inbound: FederationInbound = {
    // idempotent per (origin, documentId), as document routing is
    acceptDocument: (t) => {
      const duplicate = received.some((r) => r.origin === t.origin && r.documentId === t.documentId);
      if (!duplicate) received.push(t);
      return Promise.resolve({ duplicate });
    },
    acceptStatus: (t) => {
      const duplicate = received.some((r) => r.origin === t.origin && r.documentId === t.documentId);
      if (!duplicate) received.push(t);
      return Promise.resolve({ duplicate });
    },
  };
  let handle: FederationHandle | undefined;
  const module = createFederationModule({
    pollMs: 50,
    ...options.federation,
    inbound: options.federation?.inbound ?? inbound,
    onReady: (h) => {
      handle = h;
      options.federation?.onReady?.(h);
    },
  });
  const hub = await startTestHub([directoryModule, module], {
    env: { LT_HUB_ORGAN_ID: organId },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const baseUrl = await hub.app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  if (!handle) throw new Error('federation did not hand its ports over');
  return { hub, baseUrl, federation: handle, received, close: () => hub.close() };
}

/** Registers `peer` at `at` (identity read over HTTP, as an admin would). */
export async function addPeer(at: FederatedHub, peerId: string, peer: FederatedHub, routes: string[], kind: 'hub' | 'axis' = 'hub') {
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
