import type { Readable } from 'node:stream';
import { notFound } from '@lienthong/service-kit';
import { renderEdxmlStream, renderStatus, StatusCode, type EdxmlDocument, type EdxmlStatus, type TraceHeader } from '@lienthong/edxml';
import type { ServiceContext, SystemPrincipal } from './context.js';
import { submittedDocument } from './submitted-document.js';

export type DeliveryContent = { type: 'edxml'; body: Readable | string } | { type: 'json'; body: unknown };

/** An attachment as answers show it: with the URL it is read from. */
export const attachmentLink = (a: EdxmlDocument['attachments'][number]) => ({ ...a, url: `/v1/attachments/${a.sha256}` });

/** `GET /v1/deliveries/:deliveryId/content`: the caller's delivery, rendered as edXML (stream) or JSON, with the hub's own TraceHeader. */
export function deliveryContent(ctx: ServiceContext) {
  const { view, source, store } = ctx;
  const hubHop = (at: string): TraceHeader => ({ organId: ctx.hubOrganId, timestamp: at });

  return async function content(deliveryId: string, principal: SystemPrincipal, format: 'edxml' | 'json'): Promise<DeliveryContent> {
    const delivery = view.delivery(deliveryId);
    if (!delivery || !principal.organIds.includes(delivery.to)) throw notFound(`no delivery ${deliveryId}`);
    const doc = view.document(delivery.documentId);
    if (!doc) throw notFound(`no delivery ${deliveryId}`);
    const meta = {
      deliveryId,
      kind: delivery.kind,
      documentId: delivery.documentId,
      from: delivery.from,
      to: delivery.to,
      createdAt: delivery.createdAt,
      acknowledgedAt: delivery.acknowledgedAt,
    };
    if (delivery.kind === 'document') {
      const hop = hubHop(doc.submittedAt);
      const d = await submittedDocument(store, doc.documentId);
      if (format === 'edxml') return { type: 'edxml', body: renderEdxmlStream(d, { attachments: source, extraTraceHeader: hop }) };
      return {
        type: 'json',
        body: {
          ...meta,
          signature: doc.signature,
          document: { ...d, traceHeaders: [...d.traceHeaders, hop], attachments: d.attachments.map(attachmentLink) },
        },
      };
    }
    const status = view.status(delivery.statusId!);
    if (!status) throw notFound(`no delivery ${deliveryId}`);
    const hop = hubHop(status.reportedAt);
    const delivered = addressedTo(status.status, delivery.to);
    if (format === 'edxml') return { type: 'edxml', body: renderStatus(delivered, { extraTraceHeader: hop }) };
    return { type: 'json', body: { ...meta, status: { ...delivered, traceHeaders: [...delivered.traceHeaders, hop] } } };
  };
}

/**
 * A recall request (13) as one recipient receives it: its `ResponseFor/OrganId` names that
 * recipient, also when the sender asked every recipient at once. Other codes are unchanged.
 */
export function addressedTo(status: EdxmlStatus, recipient: string): EdxmlStatus {
  if (status.statusCode !== StatusCode.recallRequested || status.responseFor.organId === recipient) return status;
  return { ...status, responseFor: { ...status.responseFor, organId: recipient } };
}
