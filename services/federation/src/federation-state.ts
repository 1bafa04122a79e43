/**
 * The federation's state in this process: peers, pending transfers and peers' directories,
 * folded from the store at start and kept current by the commands this process runs. Every
 * change is an event first; this is only the index over them (kill -9 loses nothing: the next
 * start folds the streams again).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { fold, handleCommand, type CommandContext } from '@lienthong/decider';
import type { EventStore, RecordedEvent } from '@lienthong/event-store';
import { peerDecider, type PeerState } from './domain/peer-decider.js';
import { transferDecider, type TransferState } from './domain/transfer-decider.js';
import { selectPeer } from './domain/route-patterns.js';
import {
  directoryStream,
  peerStream,
  transferStream,
  type DirectoryEvent,
  type PeerData,
  type PeerEvent,
  type RemoteAgency,
  type TransferEvent,
  type TransferKind,
} from './events.js';
import type { QueuedTransfer, RemoteRecipient, TransferProgress } from '@lienthong/federation-contract';

export type PendingTransfer = Exclude<TransferState, { status: 'none' }> & {
  readonly status: 'pending';
  readonly queuedAt: number;
  /** The stream's last revision, as this process wrote or read it (an outcome is appended on it without a read). */
  readonly revision: number;
};

export interface PeerStats {
  delivered: number;
  failed: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface FederationState {
  activePeers(): PeerData[];
  peer(peerId: string): { readonly status: 'active' | 'retired'; readonly peer: PeerData } | undefined;
  peerByKeyId(keyId: string): PeerData | undefined;
  publicKeyOf(peer: PeerData): KeyObject;
  registerPeer(data: PeerData, ctx: CommandContext): Promise<{ created: boolean; changed: boolean }>;
  retirePeer(peerId: string, ctx: CommandContext): Promise<void>;
  resolve(organId: string): RemoteRecipient | undefined;
  queue(
    kind: TransferKind,
    message: { documentId: string; origin: string; recipients: readonly string[]; edxml: string; source?: string },
    ctx: CommandContext,
  ): Promise<QueuedTransfer[]>;
  pending(peerId?: string): PendingTransfer[];
  /**
   * The edXML of a pending transfer when this process has it, as the UTF-8 bytes sent: in its
   * event (earlier versions, or queued without a source) or in memory since it queued it.
   * Undefined: render it from its source.
   */
  body(transferId: string): Buffer | undefined;
  transfer(transferId: string): Promise<TransferState>;
  /** Where a transfer stands, with the times of its events (for the sender's timeline); null when never queued. */
  progress(transferId: string): Promise<TransferProgress | null>;
  recordAttempt(transferId: string, data: { reason: string; detail: string; nextAttemptAt: string }, ctx: CommandContext): Promise<void>;
  recordDelivery(transferId: string, data: { status: number; latencyMs: number }, ctx: CommandContext): Promise<void>;
  drop(transferId: string, reason: string, ctx: CommandContext): Promise<TransferState>;
  stats(peerId: string): PeerStats;
  saveDirectory(peerId: string, agencies: readonly RemoteAgency[], ctx: CommandContext): Promise<void>;
  directory(peerId: string): ReadonlyMap<string, RemoteAgency> | undefined;
}

/** One transfer per (peer, kind, origin, document): queuing again finds the same stream. */
export const transferIdOf = (peerId: string, kind: TransferKind, origin: string, documentId: string) =>
  createHash('sha256').update(`${peerId}\u0000${kind}\u0000${origin}\u0000${documentId}`).digest('hex').slice(0, 32);

/** A transfer's state from its stream's events. */
const foldTransfer = (events: readonly RecordedEvent[]): TransferState =>
  fold(
    transferDecider,
    events.map((e) => ({ type: e.type, data: e.data }) as TransferEvent),
  );

/** A transfer's stream told as progress: the decider's state plus when each step happened. */
export function transferProgress(events: readonly RecordedEvent[]): TransferProgress | null {
  const state = foldTransfer(events);
  if (state.status === 'none') return null;
  const at = (type: TransferEvent['type']) => events.findLast((e) => e.type === type)?.metadata.at ?? null;
  const dropped = events.findLast((e) => e.type === 'TransferDropped')?.data as { reason: string } | undefined;
  return {
    peerId: state.transfer.peerId,
    status: state.status,
    queuedAt: at('TransferQueued') ?? '',
    attempts: state.attempts,
    lastError: state.lastError,
    lastAttemptAt: at('TransferAttempted'),
    nextAttemptAt: state.status === 'pending' ? state.nextAttemptAt : null,
    endedAt: state.status === 'delivered' ? at('TransferDelivered') : state.status === 'dropped' ? at('TransferDropped') : null,
    dropReason: dropped?.reason ?? null,
  };
}

export async function loadFederationState(store: EventStore): Promise<FederationState> {
  const peers = new Map<string, Extract<PeerState, { status: 'active' | 'retired' }>>();
  const pending = new Map<string, PendingTransfer>();
  const stats = new Map<string, PeerStats>();
  const directories = new Map<string, Map<string, RemoteAgency>>();
  const keys = new Map<string, KeyObject>();
  /** The edXML of pending transfers queued by reference in this process (not in their events), encoded once. */
  const bodies = new Map<string, Buffer>();

  const statsOf = (peerId: string) => {
    let s = stats.get(peerId);
    if (!s) stats.set(peerId, (s = { delivered: 0, failed: 0, lastSuccessAt: null, lastError: null, lastErrorAt: null }));
    return s;
  };
  const allStreams = async (prefix: string) => {
    const names: string[] = [];
    for (let after: string | undefined; ;) {
      const page = await store.listStreams({ prefix, limit: 500, ...(after ? { after } : {}) });
      names.push(...page.map((s) => s.stream));
      if (page.length < 500) return names;
      after = page[page.length - 1]!.stream;
    }
  };
  const indexTransfer = (state: TransferState, queuedAt: number, revision: number) => {
    if (state.status === 'none') return;
    if (state.status === 'pending') pending.set(state.transfer.transferId, { ...state, status: 'pending', queuedAt, revision });
    else {
      pending.delete(state.transfer.transferId);
      bodies.delete(state.transfer.transferId);
    }
  };

  // 1. fold what the store holds
  for (const stream of await allStreams('fed-peer-')) {
    const state = fold(
      peerDecider,
      (await store.readStream(stream)).map((e) => ({ type: e.type, data: e.data }) as PeerEvent),
    );
    if (state.status !== 'none') peers.set(state.peer.peerId, state);
  }
  for (const stream of await allStreams('fed-transfer-')) {
    const events = await store.readStream(stream);
    const state = foldTransfer(events);
    indexTransfer(state, Date.parse(events[0]?.metadata.at ?? new Date().toISOString()), events.at(-1)?.revision ?? -1);
  }
  for (const stream of await allStreams('fed-directory-')) {
    const [last] = await store.readStream(stream, { direction: 'backward', maxCount: 1 });
    if (!last) continue;
    const { data } = last as unknown as DirectoryEvent;
    directories.set(data.peerId, new Map(data.agencies.map((a) => [a.organId.toLowerCase(), a])));
  }

  const activePeers = () => [...peers.values()].filter((p) => p.status === 'active').map((p) => p.peer);
  const runTransfer = async (
    transferId: string,
    command: Parameters<typeof transferDecider.decide>[0],
    ctx: CommandContext,
  ): Promise<TransferState> => {
    // The state is in hand for a pending transfer, and assumed for one being queued (a new stream):
    // decided on with no read. Another writer in between, or a transfer queued again after it
    // ended (a replay after a restart), fails the append: handleCommand then reads and decides again.
    const pendingNow = pending.get(transferId);
    const known = pendingNow
      ? { state: pendingNow, revision: pendingNow.revision }
      : command.type === 'QueueTransfer'
        ? { state: transferDecider.initialState(), revision: -1 }
        : undefined;
    const queuedAt = pendingNow?.queuedAt ?? Date.now();
    const result = await handleCommand(store, transferDecider, transferStream(transferId), command, ctx, known ? { known } : {});
    indexTransfer(result.state, pending.get(transferId)?.queuedAt ?? queuedAt, result.revision);
    return result.state;
  };

  return {
    activePeers,
    peer: (peerId) => peers.get(peerId),
    peerByKeyId: (keyId) => activePeers().find((p) => p.keyId === keyId),
    publicKeyOf(peer) {
      let key = keys.get(peer.publicKey);
      if (!key)
        keys.set(peer.publicKey, (key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: peer.publicKey }, format: 'jwk' })));
      return key;
    },
    async registerPeer(data, ctx) {
      const before = peers.get(data.peerId);
      const result = await handleCommand(store, peerDecider, peerStream(data.peerId), { type: 'RegisterPeer', data }, ctx);
      if (result.state.status !== 'none') peers.set(data.peerId, result.state);
      return { created: before?.status !== 'active', changed: result.appended.length > 0 };
    },
    async retirePeer(peerId, ctx) {
      const result = await handleCommand(store, peerDecider, peerStream(peerId), { type: 'RetirePeer', data: { peerId } }, ctx);
      if (result.state.status !== 'none') peers.set(peerId, result.state);
    },
    resolve(organId) {
      const peer = selectPeer(activePeers(), organId);
      if (!peer) return undefined;
      const directory = directories.get(peer.peerId);
      const agency = directory?.get(organId.toLowerCase());
      return { organId, peerId: peer.peerId, known: directory ? agency !== undefined : null, name: agency?.name ?? null };
    },
    async queue(kind, message, ctx) {
      const byPeer = new Map<string, string[]>();
      const unrouted: string[] = [];
      for (const organId of message.recipients) {
        const peer = selectPeer(activePeers(), organId);
        if (!peer) unrouted.push(organId);
        else byPeer.set(peer.peerId, [...(byPeer.get(peer.peerId) ?? []), organId]);
      }
      if (unrouted.length > 0) throw new Error(`no peer serves ${unrouted.join(', ')}`);
      const queued: QueuedTransfer[] = [];
      for (const [peerId, recipients] of byPeer) {
        const transferId = transferIdOf(peerId, kind, message.origin, message.documentId);
        const base = { transferId, peerId, kind, origin: message.origin, documentId: message.documentId, recipients };
        // by reference when the queuing side can render it again: no second durable copy of the edXML
        const data = message.source !== undefined ? { ...base, source: message.source } : { ...base, edxml: message.edxml };
        const state = await runTransfer(transferId, { type: 'QueueTransfer', data }, ctx);
        if (state.status === 'pending' && state.transfer.edxml === undefined && !bodies.has(transferId))
          bodies.set(transferId, Buffer.from(message.edxml, 'utf8'));
        queued.push({ transferId, peerId, recipients });
      }
      return queued;
    },
    pending: (peerId) => [...pending.values()].filter((p) => peerId === undefined || p.transfer.peerId === peerId),
    body: (transferId) => {
      const inEvent = pending.get(transferId)?.transfer.edxml;
      return inEvent === undefined ? bodies.get(transferId) : Buffer.from(inEvent, 'utf8');
    },
    async transfer(transferId) {
      return foldTransfer(await store.readStream(transferStream(transferId)));
    },
    async progress(transferId) {
      return transferProgress(await store.readStream(transferStream(transferId)));
    },
    async recordAttempt(transferId, data, ctx) {
      const state = await runTransfer(transferId, { type: 'RecordAttempt', data }, ctx);
      if (state.status === 'none') return;
      const s = statsOf(state.transfer.peerId);
      s.failed += 1;
      s.lastError = `${data.reason}: ${data.detail}`;
      s.lastErrorAt = new Date().toISOString();
    },
    async recordDelivery(transferId, data, ctx) {
      const state = await runTransfer(transferId, { type: 'RecordDelivery', data }, ctx);
      if (state.status === 'none') return;
      const s = statsOf(state.transfer.peerId);
      s.delivered += 1;
      s.lastSuccessAt = new Date().toISOString();
    },
    drop: (transferId, reason, ctx) => runTransfer(transferId, { type: 'DropTransfer', data: { reason } }, ctx),
    stats: statsOf,
    async saveDirectory(peerId, agencies, ctx) {
      const event: DirectoryEvent = { type: 'PeerDirectorySynced', data: { peerId, agencies } };
      const metadata = { correlationId: ctx.correlationId, causationId: null, actor: ctx.actor, at: new Date().toISOString() };
      await store.append(directoryStream(peerId), [{ ...event, metadata }]);
      directories.set(peerId, new Map(agencies.map((a) => [a.organId.toLowerCase(), a])));
    },
    directory: (peerId) => directories.get(peerId),
  };
}
