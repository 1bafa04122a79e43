import type { TestHub } from '@lienthong/platform/testing';

/** Delivery settings that make the specs quick: short backoff, frequent checkpoints. */
export const FAST_DELIVERY = { initialBackoffMs: 20, maxBackoffMs: 200, checkpointEveryMs: 100, pollMs: 50, concurrency: 8 };

/** Appends one dossier-like event (`dossierCode` from the stream, agency H40, status 2 unless `data` says otherwise). */
export async function append(hub: TestHub, stream: string, type: string, data: Record<string, unknown> = {}): Promise<number> {
  const meta = { correlationId: 'test', actor: 'test', at: new Date().toISOString() };
  const r = await hub.platform.store.append(stream, [
    { type, data: { dossierCode: stream.slice(8), agencyId: 'H40', statusCode: 2, ...data }, metadata: meta },
  ]);
  return r.position;
}

export function register(hub: TestHub, body: Record<string, unknown>) {
  return hub.app.inject({ method: 'POST', url: '/v1/admin/connectors', headers: hub.admin, payload: body });
}

/** `GET /v1/admin/connectors/:id` as the specs read it. */
export interface ConnectorAnswer {
  state: string;
  deadLetters: Array<{ position: number; reason: string; attempts: number }>;
  outbox: {
    running: boolean;
    lag: number;
    lagSeconds: number;
    outboxDepth: number;
    checkpoint: number;
    headPosition: number;
    oldestPendingAt: string | null;
    lease: { holder: string | null; until: string | null; heldHere: boolean };
    stats: { attempts: number; delivered: number; deadLettered: number; failures: Record<string, number> };
  };
}

export async function view(hub: TestHub, id: string): Promise<ConnectorAnswer> {
  const res = await hub.app.inject({ method: 'GET', url: `/v1/admin/connectors/${id}`, headers: hub.admin });
  if (res.statusCode !== 200) throw new Error(`GET connector ${id} → ${res.statusCode} ${res.body}`);
  return res.json<ConnectorAnswer>();
}
