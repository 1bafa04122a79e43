import { DomainError, assertNever, isReplay, type Decider } from '@lienthong/decider';
import { StatusCode, type EdxmlDocument, type EdxmlStatus, type StaffInfo } from '@lienthong/edxml';
import type { DocumentEvent, FederationOrigin, Recipient, RevisionKind, SignatureRecord } from './events.js';
import { deliveryIdFor, statusIdFor } from './ids.js';

/** An identifier as the sender wrote it, and the agency the directory resolved it to (null: unknown). */
export interface ResolvedOrgan {
  readonly given: string;
  readonly organId: string | null;
}

/**
 * The one rule of who may speak for an organisation: the calling system must act for it (the
 * service also applies it while reading, before attachments are stored, through `senderGate`).
 */
export function assertActsFor(
  organ: ResolvedOrgan,
  callerOrganIds: readonly string[],
  as = '',
): asserts organ is ResolvedOrgan & { readonly organId: string } {
  if (organ.organId === null || !callerOrganIds.includes(organ.organId))
    throw new DomainError('forbidden', `this system does not act for ${as}${organ.given}`);
}

/**
 * For a recall request (13), the recipient asked. The short JSON form names it on purpose (`to`):
 * one that did not receive the document is refused; edXML's `ResponseFor/OrganId` names the issuer
 * in most messages, so there an organisation that is not a recipient means every recipient.
 */
export interface RecallAddressee extends ResolvedOrgan {
  readonly otherwise: 'refuse' | 'every-recipient';
}

/** A referenced earlier document, resolved by the service (null: the hub never routed it). */
export interface ResolvedReference {
  readonly given: string;
  readonly kind: RevisionKind;
  readonly documentId: string | null;
  readonly recipients: readonly string[];
}

export type SubmitDocument = {
  type: 'SubmitDocument';
  data: {
    documentId: string;
    systemId: string;
    /** Organisations the calling system acts for. */
    callerOrganIds: readonly string[];
    requireValidSignature: boolean;
    from: ResolvedOrgan;
    to: readonly ResolvedOrgan[];
    references: readonly ResolvedReference[];
    edxmlDocumentId: string | null;
    idempotency: { key: string; bodySha256: string };
    format: 'edxml' | 'json';
    document: EdxmlDocument;
    signature: SignatureRecord;
    /**
     * Recipients behind peer hubs (organ id → peer id), resolved by federation's routes; their
     * `to` entries carry the id as given. Absent when no peer is involved.
     */
    remote?: Readonly<Record<string, string>>;
    /** Set when the document came from a peer hub. */
    origin?: FederationOrigin;
  };
};

export type RecordRevision = { type: 'RecordRevision'; data: { revisionId: string; kind: RevisionKind; reason: string | null } };

export type ReportStatus = {
  type: 'ReportStatus';
  data: {
    callerOrganIds: readonly string[];
    from: ResolvedOrgan;
    /** Retries of one status carry the same key (Idempotency-Key, or the status itself). */
    key: string;
    statusCode: string;
    description: string | null;
    staff: StaffInfo | null;
    timestamp: string;
    status: EdxmlStatus;
    /** For a recall request (13), the recipient asked; null for every recipient. */
    addressee: RecallAddressee | null;
    /** Set when the status came from a peer hub. */
    origin?: FederationOrigin;
  };
};

export type DocumentCommand = SubmitDocument | RecordRevision | ReportStatus;

export type DocumentState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly documentId: string;
      readonly senderOrganId: string;
      readonly bodySha256: string;
      readonly recipients: readonly Recipient[];
      readonly revisions: readonly string[];
      readonly statusIds: readonly string[];
      /** Set when the document came from a peer hub: statuses for its sender go back there. */
      readonly origin: FederationOrigin | null;
    };

function submit(command: SubmitDocument['data'], state: DocumentState): DocumentEvent[] {
  const { from } = command;
  // 1. the caller must act for the sender
  assertActsFor(from, command.callerOrganIds, 'the sender ');
  // 2. a retry: the same key and body answer the same; another body is a conflict
  if (state.exists) {
    const recorded = { key: command.idempotency.key, bodySha256: state.bodySha256 };
    const detail = `idempotency key "${command.idempotency.key}" was already used by ${from.organId} for another document`;
    if (isReplay(recorded, command.idempotency, detail, { documentId: state.documentId })) return [];
  }
  // 3. every recipient and every referenced document must be known
  const unknown = command.to.filter((t) => t.organId === null).map((t) => t.given);
  if (unknown.length > 0) throw new DomainError('unprocessable', `unknown recipients: ${unknown.join(', ')}`, { facts: { unknown } });
  const unknownReferences = command.references.filter((r) => r.documentId === null).map((r) => r.given);
  if (unknownReferences.length > 0)
    throw new DomainError(
      'unprocessable',
      `references documents this hub never routed from ${from.organId}: ${unknownReferences.join(', ')}`,
      {
        facts: { unknownReferences },
      },
    );
  // 4. a system registered with requireValidSignature sends only validly signed documents
  if (command.requireValidSignature && command.signature.status !== 'valid')
    throw new DomainError(
      'unprocessable',
      `this system must sign its documents; the signature is ${command.signature.status}${command.signature.reason ? `: ${command.signature.reason}` : ''}`,
      {
        facts: { signature: command.signature.status },
      },
    );
  // 5. one delivery per recipient: those named in To, then those of the revised documents
  const recipients: Recipient[] = [];
  const add = (organId: string, via: Recipient['via']) => {
    if (recipients.some((r) => r.organId === organId)) return;
    const peerId = command.remote?.[organId];
    recipients.push({ organId, deliveryId: deliveryIdFor(command.documentId, organId), via, ...(peerId ? { peerId } : {}) });
  };
  for (const t of command.to) add(t.organId!, 'to');
  for (const r of command.references) for (const organId of r.recipients) add(organId, 'revision');
  const revises = [...new Map(command.references.map((r) => [r.documentId!, { documentId: r.documentId!, kind: r.kind }])).values()];
  const submitted: DocumentEvent = {
    type: 'DocumentSubmitted',
    data: {
      documentId: command.documentId,
      sender: { organId: from.organId, systemId: command.systemId },
      edxmlDocumentId: command.edxmlDocumentId,
      idempotency: command.idempotency,
      format: command.format,
      document: command.document,
      signature: command.signature,
      recipients,
      revises,
      ...(command.origin ? { origin: command.origin } : {}),
    },
  };
  // 6. recipients behind peer hubs: one request, the transfers (one per peer) are queued from it
  return [submitted, ...transferRequest('document', command.documentId, command.documentId, recipients, command.origin)];
}

/** The `PeerTransferRequested` of a message with recipients behind peers (none when all are local). */
function transferRequest(
  kind: 'document' | 'status',
  documentId: string,
  messageId: string,
  targets: ReadonlyArray<{ organId: string; peerId?: string }>,
  origin: FederationOrigin | undefined,
): DocumentEvent[] {
  const remote = targets.filter((t) => t.peerId !== undefined).map((t) => t.organId);
  if (remote.length === 0) return [];
  return [
    {
      type: 'PeerTransferRequested',
      data: { documentId, kind, messageId, recipients: remote, origin: origin ? { hub: origin.hub, messageId: origin.messageId } : null },
    },
  ];
}

function reportStatus(command: ReportStatus['data'], state: DocumentState & { exists: true }): DocumentEvent[] {
  const { from } = command;
  assertActsFor(from, command.callerOrganIds);
  const isSender = state.senderOrganId === from.organId;
  const isRecipient = state.recipients.some((r) => r.organId === from.organId);
  let targets: Array<{ organId: string; peerId?: string }>;
  // Status 13 (recall requested) goes from the sender to recipients; every other code from a recipient to the sender.
  if (command.statusCode === StatusCode.recallRequested) {
    if (!isSender) throw new DomainError('forbidden', `only the sender of document ${state.documentId} can request its recall (status 13)`);
    const asked = recallTargets(state, command.addressee);
    targets = state.recipients.filter((r) => asked.includes(r.organId));
  } else {
    if (!isRecipient) throw new DomainError('forbidden', `${from.organId} is not a recipient of document ${state.documentId}`);
    // a sender behind a peer hub gets it back through the peer the document came from
    targets = [{ organId: state.senderOrganId, ...(state.origin ? { peerId: state.origin.peerId } : {}) }];
  }
  const statusId = statusIdFor(state.documentId, from.organId, command.key);
  if (state.statusIds.includes(statusId)) return [];
  return [
    {
      type: 'StatusReported',
      data: {
        documentId: state.documentId,
        statusId,
        from: from.organId,
        statusCode: command.statusCode,
        description: command.description,
        staff: command.staff,
        timestamp: command.timestamp,
        status: command.status,
        deliveries: targets.map(({ organId, peerId }) => ({
          organId,
          deliveryId: deliveryIdFor(statusId, organId),
          ...(peerId ? { peerId } : {}),
        })),
        ...(command.origin ? { origin: command.origin } : {}),
      },
    },
    ...transferRequest('status', state.documentId, statusId, targets, command.origin),
  ];
}

/** Who a recall request goes to: the recipient asked, or every recipient (see `RecallAddressee`). */
function recallTargets(state: DocumentState & { exists: true }, addressee: RecallAddressee | null): string[] {
  const every = state.recipients.map((r) => r.organId);
  if (addressee === null) return every;
  // a recipient behind a peer hub is not in the local directory: named as given
  const asked = addressee.organId ?? addressee.given;
  if (every.includes(asked)) return [asked];
  if (addressee.otherwise === 'every-recipient') return every;
  throw new DomainError('unprocessable', `${addressee.given} is not a recipient of document ${state.documentId}`, {
    facts: { unknown: [addressee.given] },
  });
}

/** The document aggregate: submission with its deliveries, revisions recorded on it, and status messages. */
export const documentDecider: Decider<DocumentState, DocumentCommand, DocumentEvent> = {
  initialState: () => ({ exists: false }),
  decide(command, state) {
    switch (command.type) {
      case 'SubmitDocument':
        return submit(command.data, state);
      case 'RecordRevision': {
        if (!state.exists) throw new DomainError('not-found', 'no such document to revise');
        if (state.revisions.includes(command.data.revisionId)) return [];
        return [{ type: 'DocumentRevised', data: { documentId: state.documentId, ...command.data } }];
      }
      case 'ReportStatus':
        if (!state.exists) throw new DomainError('not-found', 'no such document');
        return reportStatus(command.data, state);
      default:
        return assertNever(command, 'command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'DocumentSubmitted': {
        const d = event.data;
        return {
          exists: true,
          documentId: d.documentId,
          senderOrganId: d.sender.organId,
          bodySha256: d.idempotency.bodySha256,
          recipients: d.recipients,
          revisions: [],
          statusIds: [],
          origin: d.origin ?? null,
        };
      }
      case 'DocumentRevised':
        return state.exists ? { ...state, revisions: [...state.revisions, event.data.revisionId] } : state;
      case 'StatusReported':
        return state.exists ? { ...state, statusIds: [...state.statusIds, event.data.statusId] } : state;
      case 'PeerTransferRequested':
        return state;
      default:
        return assertNever(event, 'event');
    }
  },
};
