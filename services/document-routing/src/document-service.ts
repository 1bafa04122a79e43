import type { Readable } from 'node:stream';
import type { CommandContext } from '@lienthong/decider';
import type { EdxmlDocument, StaffInfo } from '@lienthong/edxml';
import type { Principal } from '@lienthong/service-kit';
import type { RevisionKind, SignatureRecord } from './domain/events.js';
import type { DeliveryView } from './projections/routing-projection.js';
import type { RoutingView } from './projections/routing-view.js';
import { acknowledgeDelivery } from './service/acknowledge-delivery.js';
import { serviceContext, type DocumentServiceDeps, type MessageBody, type SystemPrincipal } from './service/context.js';
import { deliveryContent, type DeliveryContent } from './service/delivery-content.js';
import { documentQueries } from './service/document-queries.js';
import { reportStatus, type StatusAnswer, type StatusMessage } from './service/report-status.js';
import { submitDocument, type SubmitAnswer } from './service/submit-document.js';

export { organsOf } from './service/access.js';
export type { AnswerWarnings, DocumentServiceDeps, MessageBody, SystemPrincipal } from './service/context.js';
export type { DeliveryContent } from './service/delivery-content.js';
export type { StatusAnswer, StatusMessage } from './service/report-status.js';
export { StatusBody } from './service/report-status.js';
export type { SubmitAnswer } from './service/submit-document.js';

/**
 * One step of a recipient's timeline: `delivered`, `acknowledged`, or a `status` it reported; a
 * recipient behind a peer hub starts with `sent-to-peer` (the peer, its name there if synced, and
 * how the transfer stands), then `accepted-by-peer` once the peer took it, or `transfer-dropped`.
 */
export type TimelineEntry =
  | {
      readonly type: string;
      readonly at: string;
      readonly peerId?: string;
      readonly name?: string | null;
      readonly reason?: string | null;
      readonly transfer?: {
        readonly status: 'pending' | 'delivered' | 'dropped';
        readonly attempts: number;
        readonly lastError: string | null;
        readonly nextAttemptAt: string | null;
      };
    }
  | {
      readonly type: string;
      readonly at: string;
      readonly from: string;
      readonly statusCode: string;
      readonly description: string | null;
      readonly staff: StaffInfo | null;
      readonly timestamp: string;
    };

/** A recipient of a document as its sender (or the recipient itself) sees it. */
export interface RecipientTimeline {
  readonly organId: string;
  readonly deliveryId: string;
  readonly acknowledgedAt: string | null;
  /** The last status code the recipient reported, null before any. */
  readonly status: string | null;
  readonly timeline: readonly TimelineEntry[];
}

/** `GET /v1/documents/:documentId`: metadata, signature and the per-recipient timelines. */
export interface DocumentDetail {
  readonly documentId: string;
  readonly edxmlDocumentId: string | null;
  /** The sending system is shown to the sender's side and to admins only. */
  readonly sender: { readonly organId: string; readonly systemId?: string };
  readonly to: readonly string[];
  readonly subject: string;
  readonly code: EdxmlDocument['header']['code'];
  readonly documentType: EdxmlDocument['header']['documentType'];
  readonly promulgationInfo: EdxmlDocument['header']['promulgationInfo'];
  readonly businessDocType: number;
  readonly format: 'edxml' | 'json';
  readonly submittedAt: string;
  readonly signature: SignatureRecord;
  readonly attachments: ReadonlyArray<EdxmlDocument['attachments'][number] & { readonly url: string }>;
  readonly revises: ReadonlyArray<{ readonly documentId: string; readonly kind: RevisionKind }>;
  readonly revisedBy: ReadonlyArray<{
    readonly revisionId: string;
    readonly kind: RevisionKind;
    readonly reason: string | null;
    readonly at: string;
  }>;
  /** Only the deliveries the caller may see: all for the sender, its own for a recipient. */
  readonly recipients: readonly RecipientTimeline[];
}

/**
 * Command and query side of document routing, called by the HTTP routes and the WebSocket stream.
 * Refusals are thrown as coded errors (domain or service-kit), mapped to problem+json at the edge.
 */
export interface DocumentService {
  /** The routing read model's queries. */
  readonly view: RoutingView;
  /** `POST /v1/documents`: an edXML or JSON document from a system acting for its `From`. */
  submit(body: MessageBody, principal: SystemPrincipal, context: CommandContext, idempotencyKey?: string): Promise<SubmitAnswer>;
  /** `POST /v1/documents/:documentId/status`: a recipient's status message, delivered to the sender. */
  reportStatus(
    documentRef: string,
    body: StatusMessage,
    principal: SystemPrincipal,
    context: CommandContext,
    idempotencyKey?: string,
  ): Promise<StatusAnswer>;
  /** Acknowledges a delivery (idempotent); `wait` resolves once the read model shows it. */
  acknowledge(deliveryId: string, principal: SystemPrincipal, context: CommandContext, wait?: boolean): Promise<void>;
  /** The delivered message, as edXML with the hub's TraceHeader or as JSON with attachment links. */
  content(deliveryId: string, principal: SystemPrincipal, format: 'edxml' | 'json'): Promise<DeliveryContent>;
  /** Pending deliveries of the caller's organisations (or of `organId` among them), oldest first. */
  inbox(principal: SystemPrincipal, organId: string | undefined, limit: number): DeliveryView[];
  getDocument(documentRef: string, principal: Principal): Promise<DocumentDetail>;
  /** An attachment's content, for a party of a document that carries it (or an admin). */
  attachment(sha256: string, principal: Principal): Promise<{ body: Readable; size: number; contentType?: string }>;
}

/** Each command and each group of queries lives in its own file under `service/`. */
export function createDocumentService(deps: DocumentServiceDeps): DocumentService {
  const ctx = serviceContext(deps);
  return {
    view: deps.view,
    submit: submitDocument(ctx),
    reportStatus: reportStatus(ctx),
    acknowledge: acknowledgeDelivery(ctx),
    content: deliveryContent(ctx),
    ...documentQueries(ctx),
  };
}
