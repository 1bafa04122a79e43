import { statement, type Database } from '@lienthong/projections';
import type { EdxmlStatus, StaffInfo } from '@lienthong/edxml';
import type { RevisionKind, SignatureRecord } from '../domain/events.js';
import type { DeliveryView } from './routing-projection.js';

export interface DocumentRow {
  readonly documentId: string;
  readonly senderOrganId: string;
  readonly senderSystemId: string;
  readonly edxmlDocumentId: string | null;
  readonly docType: number;
  readonly subject: string;
  readonly format: 'edxml' | 'json';
  readonly signature: SignatureRecord;
  /** The content is not here: read it from the document's `DocumentSubmitted` (`submittedDocument`). */
  readonly revises: ReadonlyArray<{ documentId: string; kind: RevisionKind }>;
  readonly submittedAt: string;
  readonly position: number;
}

export interface StatusRow {
  readonly statusId: string;
  readonly documentId: string;
  readonly from: string;
  readonly statusCode: string;
  readonly description: string | null;
  readonly staff: StaffInfo | null;
  readonly timestamp: string;
  readonly reportedAt: string;
  readonly status: EdxmlStatus;
}

interface RawDocument {
  document_id: string;
  sender_organ: string;
  sender_system: string;
  edxml_document_id: string | null;
  doc_type: number;
  subject: string;
  format: 'edxml' | 'json';
  signature: string;
  revises: string;
  submitted_at: string;
  position: number;
}
interface RawDelivery {
  delivery_id: string;
  kind: 'document' | 'status';
  document_id: string;
  status_id: string | null;
  from_organ: string;
  recipient: string;
  subject: string | null;
  status_code: string | null;
  created_at: string;
  position: number;
  acked_at: string | null;
}
interface RawStatus {
  status_id: string;
  document_id: string;
  from_organ: string;
  status_code: string;
  description: string | null;
  staff: string | null;
  timestamp: string;
  reported_at: string;
  status: string;
}

const toDocument = (r: RawDocument): DocumentRow => ({
  documentId: r.document_id,
  senderOrganId: r.sender_organ,
  senderSystemId: r.sender_system,
  edxmlDocumentId: r.edxml_document_id,
  docType: r.doc_type,
  subject: r.subject,
  format: r.format,
  signature: JSON.parse(r.signature) as SignatureRecord,
  revises: JSON.parse(r.revises) as DocumentRow['revises'],
  submittedAt: r.submitted_at,
  position: r.position,
});
const toDelivery = (r: RawDelivery): DeliveryView => ({
  deliveryId: r.delivery_id,
  kind: r.kind,
  documentId: r.document_id,
  statusId: r.status_id,
  from: r.from_organ,
  to: r.recipient,
  subject: r.subject,
  statusCode: r.status_code,
  createdAt: r.created_at,
  acknowledgedAt: r.acked_at,
  position: r.position,
});
const toStatus = (r: RawStatus): StatusRow => ({
  statusId: r.status_id,
  documentId: r.document_id,
  from: r.from_organ,
  statusCode: r.status_code,
  description: r.description,
  staff: r.staff === null ? null : (JSON.parse(r.staff) as StaffInfo),
  timestamp: r.timestamp,
  reportedAt: r.reported_at,
  status: JSON.parse(r.status) as EdxmlStatus,
});

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(',');

/** A revision (revoke, update, replace) recorded on the document it revises. */
export interface RevisionRow {
  readonly revisionId: string;
  readonly kind: RevisionKind;
  readonly reason: string | null;
  readonly at: string;
}

/** A delivery's document, recipient and kind. */
export interface DeliveryAddress {
  readonly documentId: string;
  readonly to: string;
  readonly kind: DeliveryView['kind'];
}

/** Queries over the routing read model (documents, their parties, deliveries, statuses, revisions, attachments). */
export interface RoutingView {
  document(documentId: string): DocumentRow | null;
  /** The earliest document with this edXML DocumentId among those the given organisations are party to. */
  documentByEdxmlId(edxmlDocumentId: string, organIds: readonly string[]): DocumentRow | null;
  /** The earliest document the sender sent under this edXML DocumentId (what a revision references). */
  sentByEdxmlId(senderOrganId: string, edxmlDocumentId: string): DocumentRow | null;
  isParty(documentId: string, organIds: readonly string[]): boolean;
  delivery(deliveryId: string): DeliveryView | null;
  /** Where a delivery goes (what an ack checks and records), without the rest of its row. */
  deliveryAddress(deliveryId: string): DeliveryAddress | null;
  /** Pending deliveries to these organisations, oldest first, after a (position, deliveryId) key for paging. */
  pending(organIds: readonly string[], limit: number, after?: { position: number; deliveryId: string }): DeliveryView[];
  deliveriesOf(documentId: string): DeliveryView[];
  status(statusId: string): StatusRow | null;
  statusesOf(documentId: string): StatusRow[];
  revisionsOf(documentId: string): RevisionRow[];
  /**
   * An attachment as one of these organisations may read it (party to a document carrying it;
   * `'any'` for an admin), with the content type its document gave it; null when none may.
   */
  readableAttachment(sha256: string, organIds: readonly string[] | 'any'): { contentType: string | null } | null;
}

/** The routing view over a read-model database; `db` is asked for each call because a rebuild swaps it. */
export function routingView(db: () => Database): RoutingView {
  return {
    document(documentId: string): DocumentRow | null {
      const r = statement(db(), 'SELECT * FROM documents WHERE document_id = ?').get(documentId) as RawDocument | undefined;
      return r ? toDocument(r) : null;
    },
    documentByEdxmlId(edxmlDocumentId: string, organIds: readonly string[]): DocumentRow | null {
      if (organIds.length === 0) return null;
      const r = statement(
        db(),
        `SELECT d.* FROM documents d WHERE d.edxml_document_id = ?
             AND EXISTS (SELECT 1 FROM parties p WHERE p.position = d.position AND p.organ_id IN (${placeholders(organIds.length)}))
           ORDER BY d.position LIMIT 1`,
      ).get(edxmlDocumentId, ...organIds) as RawDocument | undefined;
      return r ? toDocument(r) : null;
    },
    sentByEdxmlId(senderOrganId: string, edxmlDocumentId: string): DocumentRow | null {
      const r = statement(db(), 'SELECT * FROM documents WHERE edxml_document_id = ? AND sender_organ = ? ORDER BY position LIMIT 1').get(
        edxmlDocumentId,
        senderOrganId,
      ) as RawDocument | undefined;
      return r ? toDocument(r) : null;
    },
    isParty(documentId: string, organIds: readonly string[]): boolean {
      if (organIds.length === 0) return false;
      return (
        statement(
          db(),
          `SELECT 1 FROM documents d JOIN parties p ON p.position = d.position
             WHERE d.document_id = ? AND p.organ_id IN (${placeholders(organIds.length)}) LIMIT 1`,
        ).get(documentId, ...organIds) !== undefined
      );
    },
    delivery(deliveryId: string): DeliveryView | null {
      const r = statement(db(), 'SELECT * FROM deliveries WHERE delivery_id = ?').get(deliveryId) as RawDelivery | undefined;
      return r ? toDelivery(r) : null;
    },
    deliveryAddress(deliveryId: string): DeliveryAddress | null {
      const r = statement(db(), 'SELECT document_id AS documentId, recipient AS "to", kind FROM deliveries WHERE delivery_id = ?').get(
        deliveryId,
      ) as DeliveryAddress | undefined;
      return r ?? null;
    },
    pending(
      organIds: readonly string[],
      limit: number,
      after: { position: number; deliveryId: string } = { position: 0, deliveryId: '' },
    ): DeliveryView[] {
      if (organIds.length === 0) return [];
      const rows = statement(
        db(),
        `SELECT * FROM deliveries WHERE acked_at IS NULL AND recipient IN (${placeholders(organIds.length)})
             AND (position > ? OR (position = ? AND delivery_id > ?))
           ORDER BY position, delivery_id LIMIT ?`,
      ).all(...organIds, after.position, after.position, after.deliveryId, limit) as RawDelivery[];
      return rows.map(toDelivery);
    },
    deliveriesOf(documentId: string): DeliveryView[] {
      return (
        statement(
          db(),
          `SELECT * FROM deliveries WHERE document_id = @id AND position IN (
               SELECT position FROM documents WHERE document_id = @id UNION ALL SELECT position FROM statuses WHERE document_id = @id)
             ORDER BY position, delivery_id`,
        ).all({ id: documentId }) as RawDelivery[]
      ).map(toDelivery);
    },
    status(statusId: string): StatusRow | null {
      const r = statement(db(), 'SELECT * FROM statuses WHERE status_id = ?').get(statusId) as RawStatus | undefined;
      return r ? toStatus(r) : null;
    },
    statusesOf(documentId: string): StatusRow[] {
      return (statement(db(), 'SELECT * FROM statuses WHERE document_id = ? ORDER BY position').all(documentId) as RawStatus[]).map(
        toStatus,
      );
    },
    revisionsOf(documentId: string): RevisionRow[] {
      return (
        statement(db(), 'SELECT revision_id, kind, reason, at FROM revisions WHERE document_id = ? ORDER BY at').all(documentId) as Array<{
          revision_id: string;
          kind: RevisionKind;
          reason: string | null;
          at: string;
        }>
      ).map((r) => ({ revisionId: r.revision_id, kind: r.kind, reason: r.reason, at: r.at }));
    },
    readableAttachment(sha256: string, organIds: readonly string[] | 'any'): { contentType: string | null } | null {
      if (organIds === 'any') {
        const row = statement(db(), 'SELECT content_type FROM attachments WHERE sha256 = ? LIMIT 1').get(sha256) as
          { content_type: string | null } | undefined;
        return row ? { contentType: row.content_type } : null;
      }
      if (organIds.length === 0) return null;
      const row = statement(
        db(),
        `SELECT a.content_type FROM attachments a JOIN documents d ON d.document_id = a.document_id JOIN parties p ON p.position = d.position
           WHERE a.sha256 = ? AND p.organ_id IN (${placeholders(organIds.length)}) LIMIT 1`,
      ).get(sha256, ...organIds) as { content_type: string | null } | undefined;
      return row ? { contentType: row.content_type } : null;
    },
  };
}
