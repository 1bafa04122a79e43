import type { RecordedEvent } from '@lienthong/event-store';
import { statement, type Database, type Projection } from '@lienthong/projections';
import { assertNever } from '@lienthong/decider';
import { DOCUMENT_STREAM_PREFIXES, type RoutingEvent } from '../domain/events.js';

/** A pending or acknowledged delivery, as the inbox, the stream and the document timeline show it. */
export interface DeliveryView {
  readonly deliveryId: string;
  readonly kind: 'document' | 'status';
  readonly documentId: string;
  readonly statusId: string | null;
  /** Who the message comes from: the document's sender, or the party reporting the status. */
  readonly from: string;
  readonly to: string;
  readonly subject: string | null;
  readonly statusCode: string | null;
  readonly createdAt: string;
  readonly acknowledgedAt: string | null;
  /** Global position of the event that created it: the inbox order. */
  readonly position: number;
}

export interface RoutingProjectionHooks {
  /** A delivery was created by an event: called once the read model's transaction committed it (the runner's `afterCommit`). */
  onDelivery?(delivery: DeliveryView): void;
}

/**
 * Documents, their deliveries, statuses, revisions and attachments: the inbox and the timelines.
 * `apply` returns the deliveries an event created; the runner hands them to `onDelivery` after commit.
 */
export function routingProjection(hooks: RoutingProjectionHooks = {}): Projection<DeliveryView> {
  return {
    name: 'document-routing',
    version: 4,
    streamPrefixes: DOCUMENT_STREAM_PREFIXES,
    init(db) {
      db.exec(`
        CREATE TABLE documents (document_id TEXT PRIMARY KEY, sender_organ TEXT NOT NULL, sender_system TEXT NOT NULL,
          edxml_document_id TEXT, doc_type INTEGER NOT NULL, subject TEXT NOT NULL, format TEXT NOT NULL,
          signature TEXT NOT NULL, revises TEXT NOT NULL, submitted_at TEXT NOT NULL, position INTEGER NOT NULL);
        CREATE INDEX documents_edxml ON documents(edxml_document_id, position);
        -- parties by the position of the document's DocumentSubmitted: keys that grow at the end (a random key dirtied a page per document)
        CREATE TABLE parties (position INTEGER NOT NULL, organ_id TEXT NOT NULL, PRIMARY KEY (position, organ_id)) WITHOUT ROWID;
        CREATE TABLE deliveries (delivery_id TEXT PRIMARY KEY, kind TEXT NOT NULL, document_id TEXT NOT NULL, status_id TEXT,
          from_organ TEXT NOT NULL, recipient TEXT NOT NULL, subject TEXT, status_code TEXT, via TEXT,
          created_at TEXT NOT NULL, position INTEGER NOT NULL, acked_at TEXT);
        CREATE INDEX deliveries_pending ON deliveries(recipient, position) WHERE acked_at IS NULL;
        -- a document's deliveries are those of its DocumentSubmitted's and its StatusReported's positions (deliveriesOf)
        CREATE INDEX deliveries_position ON deliveries(position);
        CREATE TABLE statuses (status_id TEXT PRIMARY KEY, document_id TEXT NOT NULL, from_organ TEXT NOT NULL, status_code TEXT NOT NULL,
          description TEXT, staff TEXT, timestamp TEXT NOT NULL, reported_at TEXT NOT NULL, position INTEGER NOT NULL, status TEXT NOT NULL);
        CREATE INDEX statuses_document ON statuses(document_id, position);
        CREATE TABLE attachments (sha256 TEXT NOT NULL, document_id TEXT NOT NULL, content_type TEXT, PRIMARY KEY (sha256, document_id)) WITHOUT ROWID;
        CREATE TABLE revisions (document_id TEXT NOT NULL, revision_id TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT, at TEXT NOT NULL,
          PRIMARY KEY (document_id, revision_id)) WITHOUT ROWID;`);
    },
    afterCommit(deliveries) {
      for (const delivery of deliveries) hooks.onDelivery?.(delivery);
    },
    apply(db: Database, recorded: RecordedEvent): DeliveryView[] {
      const created: DeliveryView[] = [];
      const event = { type: recorded.type, data: recorded.data } as RoutingEvent;
      const at = recorded.metadata.at;
      const position = recorded.position;
      switch (event.type) {
        case 'DocumentSubmitted': {
          const d = event.data;
          const subject = d.document.header.subject;
          statement(db, 'INSERT OR IGNORE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
            d.documentId,
            d.sender.organId,
            d.sender.systemId,
            d.edxmlDocumentId,
            d.document.business?.docType ?? 0,
            subject,
            d.format,
            JSON.stringify(d.signature),
            JSON.stringify(d.revises),
            at,
            position,
          );
          const party = statement(db, 'INSERT OR IGNORE INTO parties VALUES (?, ?)');
          party.run(position, d.sender.organId);
          const attachment = statement(db, 'INSERT OR IGNORE INTO attachments VALUES (?, ?, ?)');
          for (const a of d.document.attachments) attachment.run(a.sha256, d.documentId, a.contentType ?? null);
          const delivery = statement(db, 'INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, NULL, ?, ?, ?, NULL, ?, ?, ?, NULL)');
          for (const r of d.recipients) {
            party.run(position, r.organId);
            delivery.run(r.deliveryId, 'document', d.documentId, d.sender.organId, r.organId, subject, r.via, at, position);
            created.push({
              deliveryId: r.deliveryId,
              kind: 'document',
              documentId: d.documentId,
              statusId: null,
              from: d.sender.organId,
              to: r.organId,
              subject,
              statusCode: null,
              createdAt: at,
              acknowledgedAt: null,
              position,
            });
          }
          break;
        }
        case 'DocumentRevised': {
          const d = event.data;
          statement(db, 'INSERT OR IGNORE INTO revisions VALUES (?, ?, ?, ?, ?)').run(d.documentId, d.revisionId, d.kind, d.reason, at);
          break;
        }
        case 'StatusReported': {
          const d = event.data;
          statement(db, 'INSERT OR IGNORE INTO statuses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
            d.statusId,
            d.documentId,
            d.from,
            d.statusCode,
            d.description,
            d.staff ? JSON.stringify(d.staff) : null,
            d.timestamp,
            at,
            position,
            JSON.stringify(d.status),
          );
          const subject =
            (statement(db, 'SELECT subject FROM documents WHERE document_id = ?').get(d.documentId) as { subject: string } | undefined)
              ?.subject ?? null;
          const delivery = statement(db, 'INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL)');
          for (const r of d.deliveries) {
            delivery.run(r.deliveryId, 'status', d.documentId, d.statusId, d.from, r.organId, subject, d.statusCode, at, position);
            created.push({
              deliveryId: r.deliveryId,
              kind: 'status',
              documentId: d.documentId,
              statusId: d.statusId,
              from: d.from,
              to: r.organId,
              subject,
              statusCode: d.statusCode,
              createdAt: at,
              acknowledgedAt: null,
              position,
            });
          }
          break;
        }
        case 'PeerTransferRequested':
          // the federation reactor's; a recipient behind a peer already has its row (no inbox reads it here)
          break;
        case 'DeliveryAcknowledged':
          statement(db, 'UPDATE deliveries SET acked_at = ? WHERE delivery_id = ? AND acked_at IS NULL').run(at, event.data.deliveryId);
          break;
        default:
          assertNever(event, 'event');
      }
      return created;
    },
  };
}
