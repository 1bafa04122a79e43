import { loadHubKey, type ServiceModuleFactory } from '@lienthong/platform';
import { aggregateType } from '@lienthong/decider';
import { FEDERATION_STREAM_PREFIXES } from './events.js';
import { peerDecider } from './domain/peer-decider.js';
import { transferDecider } from './domain/transfer-decider.js';
import { loadFederationState, transferIdOf } from './federation-state.js';
import { federationMetrics } from './outbox/metrics.js';
import { startSender } from './outbox/sender.js';
import { createReceiver } from './receiver.js';
import { eventStoreNonces } from './nonces.js';
import { directorySync } from './directory-sync.js';
import { federationRoutes } from './http/federation-routes.js';
import { federationAdminRoutes } from './http/admin-routes.js';
import type { FederationInbound, FederationOutbound, OutboundMessage } from '@lienthong/federation-contract';

export interface FederationOptions {
  /** The hub's name in `/v1/federation/identity` (default: its organ id). */
  readonly hubName?: string;
  /** Document routing's side of the ports; set later with {@link FederationHandle.connect}. */
  readonly inbound?: FederationInbound;
  /** Bytes a transfer may have (default: `LT_MAX_BODY_MB`). */
  readonly maxTransferBytes?: number;
  /** Outbox poll period (default 200 ms). */
  readonly pollMs?: number;
  /** Receives the outbound port once the module is built (document routing's wiring point). */
  readonly onReady?: (federation: FederationHandle) => void;
}

/** What the module gives the rest of the hub. */
export interface FederationHandle {
  readonly outbound: FederationOutbound;
  /** Plugs document routing's inbound side in. */
  connect(inbound: FederationInbound): void;
}

/**
 * Federation (SPEC §6): this hub's identity, its peers, a per-peer outbox delivered with signed
 * transfers, and the receiver of peers' transfers. Document routing plugs in through the ports
 * (ports.ts).
 */
export function createFederationModule(options: FederationOptions = {}): ServiceModuleFactory {
  return async (platform) => {
    const { config } = platform;
    const logger = platform.logger.child({ component: 'federation' });
    const key = loadHubKey(config.secretsDir);
    const signingKey = { keyId: key.keyId, privateKey: key.privateKey };
    const state = await loadFederationState(platform.store);
    const metrics = federationMetrics(platform.metrics, state);
    const nonces = eventStoreNonces(platform.store);
    let inbound = options.inbound;
    const receiver = createReceiver({
      store: platform.store,
      state,
      nonces,
      hubOrganId: config.hubOrganId,
      metrics,
      inbound: () => inbound,
    });
    let sender: ReturnType<typeof startSender> | undefined;
    const wake = () => sender?.wake();
    const queue = (kind: 'document' | 'status') => async (message: OutboundMessage) => {
      const queued = await state.queue(
        kind,
        { ...message, origin: message.origin ?? config.hubOrganId },
        { correlationId: message.documentId, actor: 'federation' },
      );
      wake();
      return queued;
    };
    const outbound: FederationOutbound = {
      traceHeader: (at = new Date()) => ({ organId: config.hubOrganId, timestamp: at.toISOString() }),
      resolve: (organId) => state.resolve(organId),
      queueDocument: queue('document'),
      queueStatus: queue('status'),
      transferProgress: (peerId, kind, documentId, origin = config.hubOrganId) =>
        state.progress(transferIdOf(peerId, kind, origin, documentId)),
    };
    options.onReady?.({
      outbound,
      connect: (i) => {
        inbound = i;
      },
    });
    return {
      name: 'federation',
      streamPrefixes: [...FEDERATION_STREAM_PREFIXES],
      aggregates: [aggregateType('peer', 'fed-peer-', peerDecider), aggregateType('transfer', 'fed-transfer-', transferDecider)],
      register: async (app) => {
        await app.register(federationRoutes, {
          receiver,
          identity: { organId: config.hubOrganId, name: options.hubName ?? config.hubOrganId, key },
          directory: platform.directory,
          ...(options.maxTransferBytes ? { maxTransferBytes: options.maxTransferBytes } : {}),
        });
        await app.register(federationAdminRoutes, { state, store: platform.store, sync: directorySync(state, signingKey), wake });
      },
      start: async () => {
        sender = startSender({
          state,
          key: signingKey,
          logger,
          metrics,
          render: async (source) => {
            if (!inbound?.render) throw new Error('document routing renders no transfer queued by reference here');
            return inbound.render(source);
          },
          ...(options.pollMs ? { pollMs: options.pollMs } : {}),
        });
      },
      stop: async () => {
        await sender?.stop();
      },
    };
  };
}

export const federationModule: ServiceModuleFactory = createFederationModule();
