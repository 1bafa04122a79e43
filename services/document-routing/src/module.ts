import { openBlobStore } from '@lienthong/blob-store';
import type { ServiceModuleFactory } from '@lienthong/platform';
import type { FederationLink, FederationOutbound } from '@lienthong/federation-contract';
import { aggregateType as aggregate } from '@lienthong/decider';
import { deliveryDecider } from './domain/delivery-decider.js';
import { documentDecider } from './domain/document-decider.js';
import { DOCUMENT_STREAM_PREFIXES } from './domain/events.js';
import { blobSink } from './attachments.js';
import { createDocumentService } from './document-service.js';
import { createParsePool } from './parsing/xml-parser.js';
import { createDeliveryFanOut } from './http/delivery-fan-out.js';
import { createDeliveryStream, type DeliveryStream } from './http/delivery-stream.js';
import { documentRoutes } from './http/routes.js';
import { routingProjection } from './projections/routing-projection.js';
import { routingView } from './projections/routing-view.js';
import { createRevisionReactor } from './revision-reactor.js';
import { createFederationReactor, type FederationReactor } from './federation-reactor.js';
import { serviceContext } from './service/context.js';
import { federationInbound } from './service/federation-inbound.js';

/** Signatures are verified on packages up to this size; larger ones are recorded as not verified. */
const VERIFY_MAX_BYTES = 32 * 1024 * 1024;

export interface DocumentRoutingOptions {
  /**
   * Federation's ports (SPEC §6), asked for at start: recipients behind peer hubs are routed
   * through them, and transfers from peers are accepted. Without it, only local recipients exist.
   */
  readonly federation?: () => FederationLink | undefined;
}

/** Document routing alone: local recipients only. */
export const documentRoutingModule: ServiceModuleFactory = (platform) => createDocumentRoutingModule()(platform);

/**
 * edXML document routing between vendor document systems (văn bản điện tử liên thông):
 * submission, deliveries from an event-sourced inbox, statuses, revisions, attachments, and
 * with federation, recipients behind peer hubs.
 * `LT_HUB_ORGAN_ID` names the hub in the TraceHeader it appends (default `lienthong`).
 */
export const createDocumentRoutingModule =
  (options: DocumentRoutingOptions = {}): ServiceModuleFactory =>
  async (platform) => {
    const { config, logger } = platform;
    const blobOptions = { natsServers: config.natsServers, natsReplicas: config.natsReplicas, dataDir: config.dataDir };
    const blobs = await openBlobStore(blobOptions);
    // New deliveries go to whoever listens (no socket yet while the runner catches up at start).
    const deliveries = createDeliveryFanOut();
    const runner = await platform.projection(routingProjection({ onDelivery: deliveries.publish }));
    const view = routingView(() => runner.db());
    // Without workers the service parses on the event loop itself; with them, they start with the first body.
    const parser =
      config.parseWorkers > 0
        ? createParsePool({
            workers: config.parseWorkers,
            blobs: blobOptions,
            sink: blobSink(blobs),
            logger: logger.child({ component: 'edxml-parse-pool' }),
          })
        : undefined;
    let service: ReturnType<typeof createDocumentService>;
    let deliveryStream: DeliveryStream;
    let reactor: ReturnType<typeof createRevisionReactor>;
    /** Set at start, when the hub runs federation. */
    let outbound: FederationOutbound | undefined;
    let federationReactor: FederationReactor | undefined;
    let deps: Parameters<typeof createDocumentService>[0];
    try {
      deps = {
        store: platform.store,
        view,
        directory: platform.directory,
        blobs,
        ...(parser ? { parser } : {}),
        waitFor: (event) => runner.waitForEvent(event),
        hubOrganId: config.hubOrganId,
        maxBodyBytes: config.maxBodyBytes,
        verifyMaxBytes: VERIFY_MAX_BYTES,
        federation: () => outbound,
      };
      service = createDocumentService(deps);
      deliveryStream = createDeliveryStream({
        deliveries,
        service,
        directory: platform.directory,
        sessions: platform.sessions,
        logger: logger.child({ module: 'document-routing' }),
        metrics: platform.metrics,
      });
      platform.metrics.countSockets('/v1/stream', () => deliveryStream.size);
      reactor = createRevisionReactor({
        store: platform.store,
        checkpoints: platform.checkpoints,
        logger: logger.child({ reactor: 'revisions' }),
      });
    } catch (error) {
      // The parse workers would keep the process alive.
      await parser?.close();
      throw error;
    }
    return {
      name: 'document-routing',
      streamPrefixes: DOCUMENT_STREAM_PREFIXES,
      aggregates: [aggregate('document', 'document-', documentDecider), aggregate('delivery', 'delivery-', deliveryDecider)],
      readiness: [{ name: 'blobStore', check: () => blobs.ping() }],
      register: async (app) => {
        await app.register(documentRoutes, {
          service,
          stream: deliveryStream,
          directory: platform.directory,
          maxBodyBytes: config.maxBodyBytes,
        });
      },
      start: async () => {
        await reactor.start();
        const link = options.federation?.();
        if (!link) return;
        const ctx = serviceContext(deps);
        federationReactor = createFederationReactor({
          store: platform.store,
          checkpoints: platform.checkpoints,
          outbound: link.outbound,
          source: ctx.source,
          hubOrganId: config.hubOrganId,
          logger: logger.child({ reactor: 'federation' }),
        });
        await federationReactor.start();
        outbound = link.outbound;
        link.connect(federationInbound(ctx));
      },
      stop: async () => {
        deliveryStream.close();
        await federationReactor?.stop();
        await reactor.stop();
        await parser?.close();
        await blobs.close();
      },
    };
  };
