import type { EventStore, RecordedEvent } from '@lienthong/event-store';
import { startSubscriptionLoop, type CheckpointStore, type SubscriptionLoop } from '@lienthong/bus';
import { renderEdxml, renderStatus, type AttachmentSource } from '@lienthong/edxml';
import type { FederationOutbound } from '@lienthong/federation-contract';
import type { Logger } from '@lienthong/service-kit';
import { DocumentStreams, type DocumentSubmitted, type PeerTransferRequested, type StatusReported } from './domain/events.js';
import { addressedTo } from './service/delivery-content.js';

const CHECKPOINT = 'document-routing.federation';

/** The federation reactor of a running document-routing module. */
export interface FederationReactor {
  start(): Promise<void>;
  /** Finishes the event in hand, saves the checkpoint, then stops. */
  stop(): Promise<void>;
}

export interface FederationReactorDeps {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly outbound: FederationOutbound;
  /** Attachments, rendered into the transferred edXML. */
  readonly source: AttachmentSource;
  readonly hubOrganId: string;
  readonly logger: Logger;
}

/**
 * Process manager (SPEC §6): for every `PeerTransferRequested`, renders the message as this hub
 * delivers it (canonical edXML with its own TraceHeader appended after those received) and queues
 * it in federation's outbox, one transfer per peer. Driven from the event store with a checkpoint;
 * queuing is idempotent per (peer, origin, message), so a crash in between only queues it again.
 * It follows that one event type: with no peer involved, it has nothing to do.
 */
export function createFederationReactor(deps: FederationReactorDeps): FederationReactor {
  const { store, checkpoints, outbound, logger } = deps;
  let loop: SubscriptionLoop | undefined;

  async function react(event: RecordedEvent): Promise<void> {
    const request = event.data as PeerTransferRequested['data'];
    const events = await store.readStream(DocumentStreams.document(request.documentId));
    const submitted = events.find((e) => e.type === 'DocumentSubmitted')?.data as DocumentSubmitted['data'] | undefined;
    if (!submitted) throw new Error(`document ${request.documentId} has no submission`);
    // 1. a route may have gone since (a peer retired): those recipients are logged, the others sent
    const routed = request.recipients.filter((organId) => outbound.resolve(organId) !== undefined);
    const unrouted = request.recipients.filter((organId) => !routed.includes(organId));
    if (unrouted.length > 0)
      logger.error({ documentId: request.documentId, messageId: request.messageId, unrouted }, 'no peer serves these recipients any more');
    if (routed.length === 0) return;
    // 2. render as delivered from here, this hub's hop stamped with the request's time (the same on a retry)
    const origin = request.origin ?? { hub: deps.hubOrganId, messageId: request.messageId };
    const extraTraceHeader = outbound.traceHeader(new Date(event.metadata.at));
    const message = { documentId: origin.messageId, origin: origin.hub, recipients: routed };
    if (request.kind === 'document') {
      const edxml = await renderEdxml(submitted.document, { attachments: deps.source, extraTraceHeader });
      await outbound.queueDocument({ ...message, edxml });
      return;
    }
    const reported = events.find((e) => e.type === 'StatusReported' && (e.data as StatusReported['data']).statusId === request.messageId)
      ?.data as StatusReported['data'] | undefined;
    if (!reported) throw new Error(`document ${request.documentId} has no status ${request.messageId}`);
    let status = reported.status;
    // a document without an edXML DocumentId is known by its id at the hub it started from
    if (submitted.origin && status.responseFor.documentId === submitted.documentId)
      status = { ...status, responseFor: { ...status.responseFor, documentId: submitted.origin.messageId } };
    if (routed.length === 1) status = addressedTo(status, routed[0]!);
    await outbound.queueStatus({ ...message, edxml: renderStatus(status, { extraTraceHeader }) });
  }

  return {
    async start() {
      loop = await startSubscriptionLoop({
        name: 'federation reactor',
        store,
        streamPrefixes: ['document-'],
        eventTypes: ['PeerTransferRequested'],
        maxBatch: 64,
        saveEveryMs: 250, // queuing is idempotent: a batch queued again after a crash queues nothing new
        checkpoint: { load: () => checkpoints.load(CHECKPOINT), save: (position) => checkpoints.save(CHECKPOINT, position) },
        // a batch's documents are queued together (their appends share a commit), each document's in order
        handle: async (events) => {
          const byDocument = new Map<string, RecordedEvent[]>();
          for (const event of events) {
            const { documentId } = event.data as PeerTransferRequested['data'];
            byDocument.set(documentId, [...(byDocument.get(documentId) ?? []), event]);
          }
          await Promise.all(
            [...byDocument.values()].map(async (ofDocument) => {
              for (const event of ofDocument) await react(event);
            }),
          );
        },
        logger,
      });
    },
    async stop() {
      await loop?.stop();
    },
  };
}
