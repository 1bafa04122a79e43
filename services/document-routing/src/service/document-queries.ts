import type { Readable } from 'node:stream';
import { AppError, notFound, type Principal } from '@lienthong/service-kit';
import type { DeliveryView } from '../projections/routing-projection.js';
import { findDocument, mayRead, organsOf } from './access.js';
import type { ServiceContext, SystemPrincipal } from './context.js';
import { attachmentLink } from './delivery-content.js';
import { submission } from './submitted-document.js';
import type { TimelineEntry } from '../document-service.js';
import type { TransferProgress } from '@lienthong/federation-contract';

/** The read side: a document with its per-recipient timelines, the inbox, attachment content. */
export function documentQueries(ctx: ServiceContext) {
  const { view, directory, blobs } = ctx;
  /**
   * The first steps of a recipient's timeline: delivered to its inbox here, or, behind a peer hub,
   * sent to that peer (with the name its synced directory gives and how the transfer stands),
   * then `accepted-by-peer` when the peer took it or `transfer-dropped` when an admin dropped it;
   * its statuses follow. `message`: this document as federation knows it (its id at the hub that
   * first sent it into federation).
   */
  const arrival = async (
    d: DeliveryView,
    message: { documentId: string; origin?: string },
    progressOf: Map<string, Promise<TransferProgress | null>>,
  ): Promise<TimelineEntry[]> => {
    if (directory.resolveOrganId(d.to) !== null) return [{ type: 'delivered', at: d.createdAt }];
    const outbound = ctx.federation?.();
    const remote = outbound?.resolve(d.to);
    if (!outbound || !remote) return [{ type: 'delivered', at: d.createdAt }];
    // one transfer per peer carries all its recipients: read once
    let reading = progressOf.get(remote.peerId);
    if (!reading) {
      reading = outbound.transferProgress(remote.peerId, 'document', message.documentId, message.origin);
      progressOf.set(remote.peerId, reading);
    }
    const progress = await reading;
    const sent: TimelineEntry = {
      type: 'sent-to-peer',
      at: d.createdAt,
      peerId: remote.peerId,
      name: remote.name,
      ...(progress
        ? {
            transfer: {
              status: progress.status,
              attempts: progress.attempts,
              lastError: progress.lastError,
              nextAttemptAt: progress.nextAttemptAt,
            },
          }
        : {}),
    };
    if (progress?.status === 'delivered' && progress.endedAt)
      return [sent, { type: 'accepted-by-peer', at: progress.endedAt, peerId: remote.peerId }];
    if (progress?.status === 'dropped' && progress.endedAt)
      return [sent, { type: 'transfer-dropped', at: progress.endedAt, peerId: remote.peerId, reason: progress.dropReason }];
    return [sent];
  };

  return {
    inbox(principal: SystemPrincipal, organId: string | undefined, limit: number): DeliveryView[] {
      return view.pending(organsOf(principal, organId, directory), limit);
    },

    /** Metadata, signature and per-recipient timelines; a recipient sees only its own deliveries. */
    async getDocument(documentRef: string, principal: Principal) {
      const row = findDocument(view, documentRef, principal);
      if (!row) throw notFound(`no document ${documentRef}`);
      if (!mayRead(view, row, principal))
        throw new AppError('LT_FORBIDDEN', `only the sender and the recipients of document ${row.documentId} can read it`);
      const seesAll = principal.kind === 'admin' || (principal.kind === 'system' && principal.organIds.includes(row.senderOrganId));
      const visible = (organId: string) => seesAll || (principal.kind === 'system' && principal.organIds.includes(organId));
      const deliveries = view.deliveriesOf(row.documentId);
      const statuses = view.statusesOf(row.documentId);
      const submitted = await submission(ctx.store, row.documentId);
      const { document } = submitted;
      const h = document.header;
      // federation knows a forwarded document by its id at the hub that first sent it
      const asTransferred = submitted.origin
        ? { documentId: submitted.origin.messageId, origin: submitted.origin.hub }
        : { documentId: row.documentId };
      const shown = deliveries.filter((d) => d.kind === 'document' && visible(d.to));
      const progressOf = new Map<string, Promise<TransferProgress | null>>();
      const arrivals = await Promise.all(shown.map((d) => arrival(d, asTransferred, progressOf)));
      const recipients = shown.map((d, i) => {
        const own = statuses.filter((s) => s.from === d.to || deliveries.some((x) => x.statusId === s.statusId && x.to === d.to));
        const timeline = [
          ...arrivals[i]!,
          ...(d.acknowledgedAt ? [{ type: 'acknowledged', at: d.acknowledgedAt }] : []),
          ...own.map((s) => ({
            type: 'status',
            at: s.reportedAt,
            from: s.from,
            statusCode: s.statusCode,
            description: s.description,
            staff: s.staff,
            timestamp: s.timestamp,
          })),
        ].sort((a, b) => a.at.localeCompare(b.at));
        const lastStatus = own.filter((s) => s.from === d.to).at(-1);
        return {
          organId: d.to,
          deliveryId: d.deliveryId,
          acknowledgedAt: d.acknowledgedAt,
          status: lastStatus?.statusCode ?? null,
          timeline,
        };
      });
      return {
        documentId: row.documentId,
        edxmlDocumentId: row.edxmlDocumentId,
        sender: { organId: row.senderOrganId, ...(seesAll ? { systemId: row.senderSystemId } : {}) },
        to: h.to.map((t) => t.organId),
        subject: h.subject,
        code: h.code,
        documentType: h.documentType,
        promulgationInfo: h.promulgationInfo,
        businessDocType: row.docType,
        format: row.format,
        submittedAt: row.submittedAt,
        signature: {
          status: row.signature.status,
          ...(row.signature.signer ? { signer: row.signature.signer } : {}),
          ...(row.signature.reason ? { reason: row.signature.reason } : {}),
        },
        attachments: document.attachments.map(attachmentLink),
        revises: row.revises,
        revisedBy: view.revisionsOf(row.documentId),
        recipients,
      };
    },

    async attachment(sha256: string, principal: Principal): Promise<{ body: Readable; size: number; contentType?: string }> {
      const readable =
        principal.kind === 'admin'
          ? view.readableAttachment(sha256, 'any')
          : principal.kind === 'system'
            ? view.readableAttachment(sha256, principal.organIds)
            : null;
      if (!readable) throw notFound(`no attachment ${sha256}`);
      const stat = await blobs.stat(sha256);
      if (!stat) throw notFound(`no attachment ${sha256}`);
      // The content type is the document's (blobs stored before it moved there have it beside them).
      const contentType = readable.contentType ?? stat.contentType;
      return { body: await blobs.get(sha256), size: stat.size, ...(contentType ? { contentType } : {}) };
    },
  };
}
