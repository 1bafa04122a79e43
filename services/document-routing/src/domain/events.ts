import type { EdxmlDocument, EdxmlStatus, StaffInfo } from '@lienthong/edxml';

/**
 * Events of document routing. A document (văn bản điện tử) lives in `document-<documentId>`
 * with its deliveries: they are created by the very append that accepts the document, so an
 * accepted document can never lose its deliveries. Each delivery's acknowledgement lives in
 * `delivery-<deliveryId>`, so recipients acknowledging at once never contend on one stream.
 */
export const DocumentStreams = {
  document: (documentId: string) => `document-${documentId}`,
  delivery: (deliveryId: string) => `delivery-${deliveryId}`,
} as const;

export const DOCUMENT_STREAM_PREFIXES = ['document-', 'delivery-'] as const;

/** What a revision (BussinessDocType 1, 2, 3) does to the document it references. */
export const RevisionKind = { revoke: 'revoke', update: 'update', replace: 'replace' } as const;
export type RevisionKind = (typeof RevisionKind)[keyof typeof RevisionKind];

/** The outcome of verifying the sender's XML-DSig signature at submission. */
export interface SignatureRecord {
  readonly status: 'valid' | 'invalid' | 'absent';
  readonly signer?: {
    readonly subject?: string;
    readonly issuer?: string;
    readonly serialNumber?: string;
    readonly validFrom?: string;
    readonly validTo?: string;
  };
  readonly algorithm?: string;
  readonly reason?: string;
}

/** One recipient of a document: `to` when named in `To`, `revision` when reached as a recipient of the revised document. */
export interface Recipient {
  readonly organId: string;
  readonly deliveryId: string;
  readonly via: 'to' | 'revision';
  /** Set when the recipient is behind a peer hub (SPEC §6): its message is transferred there, not kept in an inbox here. */
  readonly peerId?: string;
}

/** Where a message received from a peer hub came from: the hub that first sent it and its id there, and the peer that handed it over. */
export interface FederationOrigin {
  readonly hub: string;
  readonly messageId: string;
  readonly peerId: string;
}

export type DocumentSubmitted = {
  type: 'DocumentSubmitted';
  data: {
    documentId: string;
    sender: { organId: string; systemId: string };
    /** `MessageHeader/DocumentId` as the sender wrote it. */
    edxmlDocumentId: string | null;
    idempotency: { key: string; bodySha256: string };
    format: 'edxml' | 'json';
    document: EdxmlDocument;
    signature: SignatureRecord;
    recipients: Recipient[];
    /** Earlier documents this one revokes, updates or replaces. */
    revises: Array<{ documentId: string; kind: RevisionKind }>;
    /** Set when the document came from a peer hub. */
    origin?: FederationOrigin;
  };
};

/** Recorded on the original document when a later one revokes, updates or replaces it. */
export type DocumentRevised = {
  type: 'DocumentRevised';
  data: { documentId: string; revisionId: string; kind: RevisionKind; reason: string | null };
};

/** A status message (trạng thái xử lý) about the document, with its deliveries. */
export type StatusReported = {
  type: 'StatusReported';
  data: {
    documentId: string;
    statusId: string;
    /** The party reporting: a recipient, or the sender (13, recall requested). */
    from: string;
    statusCode: string;
    description: string | null;
    staff: StaffInfo | null;
    timestamp: string;
    /** The status as delivered (edXML model). */
    status: EdxmlStatus;
    deliveries: Array<{ organId: string; deliveryId: string; peerId?: string }>;
    /** Set when the status came from a peer hub. */
    origin?: FederationOrigin;
  };
};

/**
 * Recorded with a document or a status that has recipients behind peer hubs, in the same append:
 * the federation reactor queues the transfers (one per peer) from it, after a crash too.
 */
export type PeerTransferRequested = {
  type: 'PeerTransferRequested';
  data: {
    documentId: string;
    kind: 'document' | 'status';
    /** The document's id, or the status's. */
    messageId: string;
    /** The recipients behind peers. */
    recipients: string[];
    /** The hub that first sent it into federation and its id there (this hub and `messageId` when null). */
    origin: { hub: string; messageId: string } | null;
  };
};

export type DocumentEvent = DocumentSubmitted | DocumentRevised | StatusReported | PeerTransferRequested;

/** Stream `delivery-<deliveryId>`: the recipient took the message (idempotent). */
export type DeliveryAcknowledged = {
  type: 'DeliveryAcknowledged';
  data: { deliveryId: string; documentId: string; organId: string; kind: 'document' | 'status' };
};
export type DeliveryEvent = DeliveryAcknowledged;

export type RoutingEvent = DocumentEvent | DeliveryEvent;
