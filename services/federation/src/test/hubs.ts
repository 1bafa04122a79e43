import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryModule } from '@lienthong/platform';
import { realEdxmlDir } from '@lienthong/testing';
import { createFederationModule, type FederationOptions } from '../module.js';
import type { FederationHandle } from '../module.js';
import { startLoopbackHub, type LoopbackHub } from '../testing.js';
import type { FederationInbound, InboundTransfer } from '@lienthong/federation-contract';

/** The real VNPT-style sample: From 002.00.20.H13, To 000.00.15.H51, one TraceHeader (01.02.G22). */
export const edoc = () => readFileSync(join(realEdxmlDir(), 'edoc.edxml'), 'utf8');

export interface FederatedHub extends LoopbackHub {
  readonly federation: FederationHandle;
  /** What document routing would have been handed. */
  readonly received: InboundTransfer[];
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
  const hub = await startLoopbackHub(organId, [directoryModule, module], {
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.port ? { port: options.port } : {}),
  });
  if (!handle) throw new Error('federation did not hand its ports over');
  return Object.assign(hub, { federation: handle, received });
}
