/**
 * The outbox's sender: every pending transfer whose time has come is POSTed, signed, to its
 * peer. A 2xx ends it (TransferDelivered); anything else is recorded (TransferAttempted) with the
 * next attempt 1 s → 5 min later, jittered. The event is appended after the peer answered: a
 * crash in between sends it again, and the receiver dedupes.
 */
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { signRequest, type SigningKey } from '@lienthong/http-signatures';
import type { Logger } from '@lienthong/service-kit';
import { backoffMs } from '../domain/transfer-decider.js';
import type { FederationState, PendingTransfer } from '../federation-state.js';
import type { FederationMetrics } from './metrics.js';

export interface SenderOptions {
  readonly state: FederationState;
  readonly key: SigningKey;
  readonly logger: Logger;
  readonly metrics: FederationMetrics;
  /** How often the outbox is looked at (default 200 ms). */
  readonly pollMs?: number;
  /** Per request (default 30 s). */
  readonly timeoutMs?: number;
  /** Transfers in flight per peer (default 64: a peer hub takes them in parallel, as its own clients; its receiver batches them into fewer commits). */
  readonly concurrency?: number;
  /**
   * Bytes of edXML in flight per peer (default 64 MiB): a transfer starts only while the peer's
   * in-flight bodies stay under it, except the first (a transfer larger than the budget goes alone).
   * Transfers can be as large as the body cap (`LT_MAX_BODY_MB`), so the count alone does not bound memory.
   */
  readonly maxInFlightBytes?: number;
  /** How long a delivery's outcome waits for others to be appended with (default 5 ms; 0: each at once). */
  readonly recordBatchMs?: number;
  readonly random?: () => number;
  /** Renders the edXML of a transfer queued by reference that this process does not hold (after a restart). */
  readonly render?: (source: string) => Promise<string>;
}

export interface Sender {
  /** Looks at the outbox now (after a transfer is queued). */
  wake(): void;
  stop(): Promise<void>;
}

const ACTOR = 'federation-sender';

/** Kept-alive connections to the peers (node:http: a transfer costs less on the event loop than with fetch). */
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };

/** POSTs the signed body; resolves with the status and the text of the answer (a timeout rejects with a TimeoutError). */
function post(url: string, headers: Record<string, string>, body: Buffer, timeoutMs: number): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    // a plain timer for the whole exchange: AbortSignal.timeout costs several times more per request
    const timer = setTimeout(() => {
      const timeout = new Error(`no answer within ${timeoutMs} ms`);
      timeout.name = 'TimeoutError';
      request.destroy(timeout);
    }, timeoutMs);
    const settle =
      <T>(f: (value: T) => void) =>
      (value: T) => {
        clearTimeout(timer);
        f(value);
      };
    const request = (secure ? httpsRequest : httpRequest)(
      target,
      { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, agent: secure ? agents.https : agents.http },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => settle(resolve)({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', settle(reject));
      },
    );
    request.on('error', settle(reject));
    request.end(body);
  });
}

/** The edXML of a transfer queued by reference could not be rendered (recorded as reason `render`, retried). */
class RenderError extends Error {
  override readonly name = 'RenderError';
}

export function startSender(options: SenderOptions): Sender {
  const { state, key, logger, metrics } = options;
  const concurrency = options.concurrency ?? 64;
  const inFlight = new Map<string, Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  /** The edXML held (in the event or in memory since queued), or rendered again from the transfer's source. */
  const bodyOf = async (t: PendingTransfer): Promise<Buffer> => {
    const held = state.body(t.transfer.transferId);
    if (held !== undefined) return held;
    const { source } = t.transfer;
    if (source === undefined) throw new RenderError('the transfer holds neither an edXML nor a source');
    if (!options.render) throw new RenderError('nothing renders a transfer queued by reference (document routing not connected)');
    try {
      return Buffer.from(await options.render(source), 'utf8');
    } catch (error) {
      throw new RenderError((error as Error).message);
    }
  };

  /**
   * `answered` is called once the peer answered (or the request failed): the slot is free while the
   * outcome is recorded. `sized` is told the body's length once it is in hand (rendered).
   */
  const send = async (t: PendingTransfer, answered: () => void, sized: (length: number) => void) => {
    const peer = state.peer(t.transfer.peerId);
    const ctx = { correlationId: randomUUID(), actor: ACTOR };
    if (!peer || peer.status !== 'active') return; // a retired peer's transfers wait for it or an admin's drop
    const path = t.transfer.kind === 'document' ? '/v1/federation/documents' : '/v1/federation/status';
    const url = `${peer.peer.baseUrl.replace(/\/+$/, '')}${path}?${new URLSearchParams({ origin: t.transfer.origin, documentId: t.transfer.documentId, to: t.transfer.recipients.join(',') }).toString()}`;
    let reason: string;
    let detail: string;
    try {
      const body = await bodyOf(t);
      sized(body.length);
      const headers = await signRequest({ method: 'POST', url, body, headers: { 'content-type': 'application/xml' } }, key);
      const response = await post(url, headers, body, options.timeoutMs ?? 30_000).finally(answered);
      if (response.status >= 200 && response.status < 300) {
        const latencyMs = Date.now() - t.queuedAt;
        await recordDelivery(t.transfer.transferId, { status: response.status, latencyMs }, ctx);
        metrics.latency.observe({ peer: peer.peer.peerId }, latencyMs / 1000);
        return;
      }
      reason = `http-${response.status}`;
      detail = response.text.slice(0, 500);
    } catch (error) {
      const e = error as Error;
      reason = e instanceof RenderError ? 'render' : e.name === 'TimeoutError' ? 'timeout' : 'network';
      detail = (e.cause instanceof Error ? e.cause.message : e.message).slice(0, 500);
    }
    const nextAttemptAt = new Date(Date.now() + backoffMs(t.attempts + 1, options.random)).toISOString();
    metrics.failures.inc({ peer: peer.peer.peerId, reason });
    logger.warn(
      { transferId: t.transfer.transferId, peerId: peer.peer.peerId, reason, detail, nextAttemptAt },
      'federation transfer failed; retrying later',
    );
    await state.recordAttempt(t.transfer.transferId, { reason, detail, nextAttemptAt }, ctx);
  };

  /**
   * Deliveries recorded together: the outcomes of the answers that came in within `recordBatchMs`
   * are appended in one turn, so they share one commit and one fsync (each still in its own
   * transfer's stream) instead of one commit per answer.
   */
  const recordBatchMs = options.recordBatchMs ?? 5;
  let deliveries: { readonly record: () => Promise<void>; readonly resolve: () => void; readonly reject: (error: unknown) => void }[] = [];
  let recordTimer: NodeJS.Timeout | undefined;
  /** Starts every waiting record in this one turn: their appends join one group commit. */
  const flushDeliveries = () => {
    if (recordTimer) clearTimeout(recordTimer);
    recordTimer = undefined;
    const batch = deliveries;
    deliveries = [];
    for (const d of batch) d.record().then(d.resolve, d.reject);
  };
  const recordDelivery = (
    transferId: string,
    data: { status: number; latencyMs: number },
    ctx: { correlationId: string; actor: string },
  ): Promise<void> => {
    if (recordBatchMs <= 0) return state.recordDelivery(transferId, data, ctx);
    return new Promise<void>((resolve, reject: (error: unknown) => void) => {
      deliveries.push({ record: () => state.recordDelivery(transferId, data, ctx), resolve, reject });
      if (deliveries.length >= concurrency) flushDeliveries();
      else recordTimer ??= setTimeout(flushDeliveries, recordBatchMs);
    });
  };

  /** In flight per peer, kept as transfers start and end (no walk over the outbox to count them). */
  const busyOf = new Map<string, number>();
  const maxInFlightBytes = options.maxInFlightBytes ?? 64 * 1024 * 1024;
  /** Size of the edXML in flight per peer, in the UTF-8 bytes sent (Vietnamese letters are two or three bytes each). */
  const bytesOf = new Map<string, number>();
  let scheduled = false;
  /** One look at the outbox per turn of the event loop, however many answers and queuings asked for it. */
  const schedule = () => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      tick();
    });
  };
  const tick = () => {
    if (stopped) return;
    const now = Date.now();
    const peers = new Set(state.activePeers().map((p) => p.peerId));
    const free = () => [...peers].some((peerId) => (busyOf.get(peerId) ?? 0) < concurrency);
    if (!free()) return;
    /** Peers whose next transfer waits for bytes in flight to go down: nothing behind it overtakes it. */
    const waiting = new Set<string>();
    for (const t of state.pending()) {
      const id = t.transfer.transferId;
      const peerId = t.transfer.peerId;
      if (inFlight.has(id) || waiting.has(peerId)) continue;
      if (t.nextAttemptAt !== null && Date.parse(t.nextAttemptAt) > now) continue;
      const busy = busyOf.get(peerId) ?? 0;
      if (busy >= concurrency) {
        // every peer full: the rest of the outbox waits for an answer
        if (!free()) break;
        continue;
      }
      // a body not held (queued before a restart) is rendered when it goes: counted as a sixteenth
      // of the budget until its length is known (at most 16 unknown ones together, as before 64)
      const held = state.body(id);
      let size = held === undefined ? Math.ceil(maxInFlightBytes / 16) : held.length;
      const bytes = bytesOf.get(peerId) ?? 0;
      if (busy > 0 && bytes + size > maxInFlightBytes) {
        waiting.add(peerId);
        continue;
      }
      busyOf.set(peerId, busy + 1);
      bytesOf.set(peerId, bytes + size);
      // the peer's slot is free once it answered: the next transfer goes while this one's outcome
      // is appended (the transfer itself stays in flight, not sent again, until it is recorded)
      let freed = false;
      const release = () => {
        if (freed) return;
        freed = true;
        busyOf.set(peerId, (busyOf.get(peerId) ?? 1) - 1);
        bytesOf.set(peerId, (bytesOf.get(peerId) ?? size) - size);
        // the next transfer of that peer goes now, not at the next poll
        schedule();
      };
      const sized = (length: number) => {
        if (freed || length === size) return;
        const room = length < size;
        bytesOf.set(peerId, (bytesOf.get(peerId) ?? 0) + length - size);
        size = length;
        // smaller than counted: room for the next ones now
        if (room) schedule();
      };
      const run = send(t, release, sized)
        .catch((error: unknown) => logger.error({ err: error, transferId: id }, 'federation sender could not record an attempt'))
        .finally(() => {
          inFlight.delete(id);
          release();
        });
      inFlight.set(id, run);
    }
  };
  const loop = () => {
    tick();
    if (!stopped) timer = setTimeout(loop, options.pollMs ?? 200);
  };
  loop();
  return {
    wake: schedule,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      flushDeliveries();
      await Promise.allSettled(inFlight.values());
    },
  };
}
