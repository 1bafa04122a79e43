import { DomainError, assertNever, isReplay, type Decider } from '@lienthong/decider';
import { StatusCode, type EdxmlDocument, type EdxmlStatus, type StaffInfo } from '@lienthong/edxml';
import type { DocumentEvent, Recipient, RevisionKind, SignatureRecord } from './events.js';
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
    if (!recipients.some((r) => r.organId === organId))
      recipients.push({ organId, deliveryId: deliveryIdFor(command.documentId, organId), via });
  };
  for (const t of command.to) add(t.organId!, 'to');
  for (const r of command.references) for (const organId of r.recipients) add(organId, 'revision');
  const revises = [...new Map(command.references.map((r) => [r.documentId!, { documentId: r.documentId!, kind: r.kind }])).values()];
  return [
    {
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
      },
    },
  ];
}

function reportStatus(command: ReportStatus['data'], state: DocumentState & { exists: true }): DocumentEvent[] {
  const { from } = command;
  assertActsFor(from, command.callerOrganIds);
  const isSender = state.senderOrganId === from.organId;
  const isRecipient = state.recipients.some((r) => r.organId === from.organId);
  let targets: string[];
  // Status 13 (recall requested) goes from the sender to recipients; every other code from a recipient to the sender.
  if (command.statusCode === StatusCode.recallRequested) {
    if (!isSender) throw new DomainError('forbidden', `only the sender of document ${state.documentId} can request its recall (status 13)`);
    targets = recallTargets(state, command.addressee);
  } else {
    if (!isRecipient) throw new DomainError('forbidden', `${from.organId} is not a recipient of document ${state.documentId}`);
    targets = [state.senderOrganId];
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
        deliveries: targets.map((organId) => ({ organId, deliveryId: deliveryIdFor(statusId, organId) })),
      },
    },
  ];
}

/** Who a recall request goes to: the recipient asked, or every recipient (see `RecallAddressee`). */
function recallTargets(state: DocumentState & { exists: true }, addressee: RecallAddressee | null): string[] {
  const every = state.recipients.map((r) => r.organId);
  if (addressee === null) return every;
  if (addressee.organId !== null && every.includes(addressee.organId)) return [addressee.organId];
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
        };
      }
      case 'DocumentRevised':
        return state.exists ? { ...state, revisions: [...state.revisions, event.data.revisionId] } : state;
      case 'StatusReported':
        return state.exists ? { ...state, statusIds: [...state.statusIds, event.data.statusId] } : state;
      default:
        return assertNever(event, 'event');
    }
  },
};
