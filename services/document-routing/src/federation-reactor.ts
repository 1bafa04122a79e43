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

/** What a queued transfer keeps to render its edXML again (`FederationInbound.render`): the request, not the edXML. */
export interface TransferSource {
  /** This hub's document id (the document stream). */
  readonly documentId: string;
  /** The document's submission id, or the status's id. */
  readonly messageId: string;
  readonly kind: PeerTransferRequested['data']['kind'];
  /** The time of this hub's TraceHeader: the request's. */
  readonly at: string;
  /** The recipients routed to peers when it was queued. */
  readonly recipients: readonly string[];
}

export interface RenderTransferDeps {
  readonly store: EventStore;
  readonly outbound: Pick<FederationOutbound, 'traceHeader'>;
  readonly source: AttachmentSource;
}

/**
 * Renders a transfer's edXML from what this hub stored (the document's events, the attachments'
 * blobs): the document as delivered from here, or the status; the same bytes each time for one
 * source.
 */
export async function renderTransfer(deps: RenderTransferDeps, source: TransferSource): Promise<string> {
  const events = await deps.store.readStream(DocumentStreams.document(source.documentId));
  const submitted = events.find((e) => e.type === 'DocumentSubmitted')?.data as DocumentSubmitted['data'] | undefined;
  if (!submitted) throw new Error(`document ${source.documentId} has no submission`);
  const extraTraceHeader = deps.outbound.traceHeader(new Date(source.at));
  if (source.kind === 'document') return await renderEdxml(submitted.document, { attachments: deps.source, extraTraceHeader });
  const reported = events.find((e) => e.type === 'StatusReported' && (e.data as StatusReported['data']).statusId === source.messageId)
    ?.data as StatusReported['data'] | undefined;
  if (!reported) throw new Error(`document ${source.documentId} has no status ${source.messageId}`);
  let status = reported.status;
  // a document without an edXML DocumentId is known by its id at the hub it started from
  if (submitted.origin && status.responseFor.documentId === submitted.documentId)
    status = { ...status, responseFor: { ...status.responseFor, documentId: submitted.origin.messageId } };
  if (source.recipients.length === 1) status = addressedTo(status, source.recipients[0]!);
  return renderStatus(status, { extraTraceHeader });
}

/** Reads a {@link TransferSource} as `JSON.stringify` wrote it. */
export function parseTransferSource(text: string): TransferSource {
  const value = JSON.parse(text) as Partial<TransferSource>;
  if (typeof value.documentId !== 'string' || typeof value.messageId !== 'string' || typeof value.at !== 'string')
    throw new Error('not a transfer source');
  if ((value.kind !== 'document' && value.kind !== 'status') || !Array.isArray(value.recipients)) throw new Error('not a transfer source');
  return value as TransferSource;
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
    // 1. a route may have gone since (a peer retired): those recipients are logged, the others sent
    const routed = request.recipients.filter((organId) => outbound.resolve(organId) !== undefined);
    const unrouted = request.recipients.filter((organId) => !routed.includes(organId));
    if (unrouted.length > 0)
      logger.error({ documentId: request.documentId, messageId: request.messageId, unrouted }, 'no peer serves these recipients any more');
    if (routed.length === 0) return;
    // 2. render as delivered from here, this hub's hop stamped with the request's time (the same on a retry);
    // the transfer keeps a reference to what this hub stored, not a second copy of the edXML
    const source: TransferSource = {
      documentId: request.documentId,
      messageId: request.messageId,
      kind: request.kind,
      at: event.metadata.at,
      recipients: routed,
    };
    const edxml = await renderTransfer({ ...deps, outbound }, source);
    const origin = request.origin ?? { hub: deps.hubOrganId, messageId: request.messageId };
    const message = { documentId: origin.messageId, origin: origin.hub, recipients: routed, edxml, source: JSON.stringify(source) };
    if (request.kind === 'document') await outbound.queueDocument(message);
    else await outbound.queueStatus(message);
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
