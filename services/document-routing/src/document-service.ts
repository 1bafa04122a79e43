import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { EventStore, RecordedEvent } from '@lienthong/event-store';
import type { BlobStore } from '@lienthong/blob-store';
import type { DirectoryView } from '@lienthong/directory';
import { handleCommand, type CommandContext } from '@lienthong/decider';
import { AppError, forbidden, notFound, parseWith, unprocessable, validationError, type Principal } from '@lienthong/service-kit';
import {
  documentFromJson,
  renderEdxmlStream,
  renderStatus,
  StatusCode,
  statusCodes,
  verifyEdxmlSignature,
  type EdxmlDocument,
  type EdxmlStatus,
  type EdxmlWarning,
  type StaffInfo,
  type TraceHeader,
} from '@lienthong/edxml';
import { blobSink, blobSource } from './attachments.js';
import { deliveryDecider } from './domain/delivery-decider.js';
import { documentDecider, type ResolvedOrgan, type ResolvedReference } from './domain/document-decider.js';
import { DocumentStreams, RevisionKind, type SignatureRecord } from './domain/events.js';
import { UUID_PATTERN, canonicalJson, documentIdFor, sha256Hex, statusIdFor } from './domain/ids.js';
import { edxmlProblem } from './intake.js';
import { inlineXmlParser, type ParsedXml, type XmlParser } from './parsing/xml-parser.js';
import type { DeliveryView } from './projections/routing-projection.js';
import type { DocumentRow, RoutingView } from './projections/routing-view.js';

export type SystemPrincipal = Extract<Principal, { kind: 'system' }>;

export interface DocumentServiceDeps {
  readonly store: EventStore;
  readonly view: RoutingView;
  readonly directory: DirectoryView;
  readonly blobs: BlobStore;
  /** Reads edXML bodies (default: on the event loop, attachments into `blobs`). */
  readonly parser?: XmlParser;
  /** Read-your-writes: resolves once the routing read model has applied this event. */
  readonly waitFor: (event: RecordedEvent) => Promise<void>;
  /** `OrganId` of the hub's own TraceHeader in delivered edXML. */
  readonly hubOrganId: string;
  readonly maxBodyBytes: number;
  /** Signatures are verified on bodies up to this size (the DOM needs several times the size). */
  readonly verifyMaxBytes: number;
}

/** A message body: edXML handed through as a stream, or JSON already parsed. */
export type MessageBody = { readonly kind: 'xml'; readonly stream: AsyncIterable<Buffer | string> } | { readonly kind: 'json'; readonly value: unknown };

/**
 * What the edXML reader tolerated in an accepted message (e.g. `attachment-not-base64`: an
 * attachment stored as its text), in the 202 answer. The key is absent when nothing was tolerated.
 */
export type AnswerWarnings = { readonly warnings?: readonly EdxmlWarning[] };

/** The key `warnings` of an answer: present only when there are warnings. */
const warningsOf = (warnings: readonly EdxmlWarning[]): AnswerWarnings => (warnings.length > 0 ? { warnings: warnings.map((w) => ({ ...w })) } : {});

export interface SubmitAnswer extends AnswerWarnings {
  readonly documentId: string;
  readonly recipients: ReadonlyArray<{ organId: string; deliveryId: string }>;
}

export interface StatusAnswer extends SubmitAnswer {
  readonly statusId: string;
}

/** The short JSON form of a status (`POST /v1/documents/:documentId/status`). */
const StatusBody = z.object({
  statusCode: z.enum(statusCodes as [string, ...string[]]),
  description: z.string().min(1).max(4000).optional(),
  staff: z.union([z.string().min(1).max(200), z.object({ department: z.string().min(1).max(500).optional(), staff: z.string().min(1).max(200).optional(), email: z.string().min(1).max(320).optional(), mobile: z.string().min(1).max(50).optional() })]).optional(),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  /** The reporting organisation, when the system acts for several parties of the document. */
  from: z.string().min(1).max(64).optional(),
  /** A recall request (13) for one recipient only (default: every recipient). */
  to: z.string().min(1).max(64).optional(),
}).refine((body) => body.to === undefined || body.statusCode === StatusCode.recallRequested, {
  path: ['to'],
  message: 'names the recipient of a recall request: only with statusCode 13',
});

const REVISION_KINDS: Record<number, RevisionKind> = { 1: RevisionKind.revoke, 2: RevisionKind.update, 3: RevisionKind.replace };

const jsonHash = (value: unknown) => sha256Hex(canonicalJson(value));

/** Command and query side of document routing, called by the HTTP routes and the WebSocket stream. */
export function createDocumentService(deps: DocumentServiceDeps) {
  const { store, view, directory, blobs } = deps;
  const sink = blobSink(blobs);
  const parser = deps.parser ?? inlineXmlParser(sink);
  const source = blobSource(blobs);
  const resolve = (given: string): ResolvedOrgan => ({ given, organId: directory.resolveOrganId(given) });

  /** `parsed`: the edXML as read (null for the JSON form). */
  function signatureOf(document: EdxmlDocument, parsed: ParsedXml | null): SignatureRecord {
    if (!document.signature) return { status: 'absent' };
    if (parsed === null) return { status: 'invalid', reason: 'a signature cannot be verified on the JSON form; send edXML' };
    if (parsed.digest.raw === null) return { status: 'invalid', reason: `not verified: the package is larger than ${deps.verifyMaxBytes} bytes` };
    // Verified where it was parsed (a worker), or here.
    const v = parsed.verification ?? verifyEdxmlSignature(parsed.digest.raw);
    return { status: v.status, ...(v.signer ? { signer: v.signer } : {}), ...(v.algorithm ? { algorithm: v.algorithm } : {}), ...(v.reason ? { reason: v.reason } : {}) };
  }

  /** The earlier documents a revoke/update/replace names, looked up among the sender's own. */
  function referencesOf(document: EdxmlDocument, senderOrganId: string | null): ResolvedReference[] {
    const business = document.business;
    const kind = business ? REVISION_KINDS[business.docType] : undefined;
    if (!business || !kind) return [];
    const ids = new Set<string>();
    if (business.docType === 3) for (const r of business.replacementInfoList) ids.add(r.documentId);
    if (business.documentId) ids.add(business.documentId);
    // Real senders revoke by re-sending the original's DocumentId without a Bussiness/DocumentId.
    if (ids.size === 0 && document.header.documentId) ids.add(document.header.documentId);
    if (ids.size === 0)
      throw new AppError('LT_VALIDATION', `BussinessDocType ${business.docType} (${kind}) names no document`, {
        errors: [{ path: 'body/TraceHeaderList/Bussiness/DocumentId', message: 'required for a revoke, update or replace' }],
      });
    return [...ids].map((given) => {
      const row = senderOrganId === null ? null : (view.sentByEdxmlId(senderOrganId, given) ?? byHubId(given, senderOrganId));
      return {
        given,
        kind,
        documentId: row?.documentId ?? null,
        recipients: row ? view.deliveriesOf(row.documentId).filter((d) => d.kind === 'document').map((d) => d.to) : [],
      };
    });
  }

  function byHubId(id: string, senderOrganId: string): DocumentRow | null {
    if (!UUID_PATTERN.test(id)) return null;
    const row = view.document(id);
    return row?.senderOrganId === senderOrganId ? row : null;
  }

  /** A document by hub id, or by edXML DocumentId among those the caller is party to. */
  function findDocument(ref: string, principal: Principal): DocumentRow | null {
    if (UUID_PATTERN.test(ref)) {
      const row = view.document(ref);
      if (row) return row;
    }
    if (principal.kind === 'system') return view.documentByEdxmlId(ref, principal.organIds);
    return null;
  }

  function mayRead(row: DocumentRow, principal: Principal): boolean {
    return principal.kind === 'admin' || (principal.kind === 'system' && view.isParty(row.documentId, principal.organIds));
  }

  /**
   * Refuses a message whose sender the caller does not act for before any attachment is stored,
   * so that refused uploads cannot fill the blob store. The decider still makes the decision.
   */
  function senderGate(principal: SystemPrincipal): (sender: string | null) => void {
    return (sender) => {
      if (sender === null)
        throw validationError('MessageHeader/From/OrganId must come before the attachments', [
          { path: 'body/edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganId', message: 'required before edXMLBody' },
        ]);
      const organId = directory.resolveOrganId(sender);
      if (organId === null || !principal.organIds.includes(organId)) throw forbidden(`this system does not act for ${sender}`);
    };
  }

  const attachmentLink = (a: EdxmlDocument['attachments'][number]) => ({ ...a, url: `/v1/attachments/${a.sha256}` });
  const hubHop = (at: string): TraceHeader => ({ organId: deps.hubOrganId, timestamp: at });

  return {
    view,

    async submit(body: MessageBody, principal: SystemPrincipal, context: CommandContext, idempotencyKey?: string): Promise<SubmitAnswer> {
      // 1. read the message, attachments streaming into the blob store
      let document: EdxmlDocument;
      let bodySha256: string;
      let xml: ParsedXml | null = null;
      const format = body.kind === 'xml' ? 'edxml' : 'json';
      if (body.kind === 'xml') {
        const parsed = await parser.parse(body.stream, { maxBytes: deps.maxBodyBytes, keepUpTo: deps.verifyMaxBytes, beforeAttachments: senderGate(principal), verify: true });
        if (parsed.message.kind !== 'document')
          throw new AppError('LT_VALIDATION', 'this is a status message: post it to /v1/documents/{documentId}/status', {
            errors: [{ path: 'body/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode', message: 'a document has no StatusCode' }],
          });
        document = parsed.message.document;
        bodySha256 = parsed.digest.sha256;
        xml = parsed;
      } else {
        const sender = jsonSender(body.value);
        if (sender !== null) senderGate(principal)(sender); // a missing sender is the schema's 400, below
        // Content referenced by hash must be an attachment of a document the caller is already a
        // party to: a hash seen elsewhere (a log, a link) must not open another agency's file.
        const stored = async (sha: string) => (view.readableAttachment(sha, principal.organIds) ? ((await blobs.stat(sha)) ?? undefined) : undefined);
        document = await documentFromJson(body.value, { attachments: sink, stored }).catch((e: unknown) => {
          throw edxmlProblem(e);
        });
        bodySha256 = jsonHash(body.value);
      }
      // 2. verify the signature, resolve sender, recipients and referenced documents
      const signature = signatureOf(document, xml);
      const from = resolve(document.header.from.organId);
      const edxmlDocumentId = document.header.documentId ?? null;
      const key = idempotencyKey ?? (edxmlDocumentId === null ? `body:${bodySha256}` : `edxml:${document.business?.docType ?? 0}:${edxmlDocumentId}`);
      const documentId = documentIdFor(from.organId ?? from.given, key);
      const command = {
        type: 'SubmitDocument' as const,
        data: {
          documentId,
          systemId: principal.id,
          callerOrganIds: principal.organIds,
          requireValidSignature: principal.requireValidSignature,
          from,
          to: document.header.to.map((t) => resolve(t.organId)),
          references: referencesOf(document, from.organId),
          edxmlDocumentId,
          idempotency: { key, bodySha256 },
          format,
          document,
          signature,
        } as const,
      };
      // 3. decide and append: the deliveries are in the same event as the submission
      const result = await handleCommand(store, documentDecider, DocumentStreams.document(documentId), command, context);
      const last = result.appended.at(-1);
      if (last) await deps.waitFor(last);
      if (!result.state.exists) throw new Error('document not created');
      return { documentId, recipients: result.state.recipients.map(({ organId, deliveryId }) => ({ organId, deliveryId })), ...warningsOf(xml?.message.warnings ?? []) };
    },

    async reportStatus(documentRef: string, body: MessageBody, principal: SystemPrincipal, context: CommandContext, idempotencyKey?: string): Promise<StatusAnswer> {
      const row = findDocument(documentRef, principal);
      if (!row) throw notFound(`no document ${documentRef}`);
      // 1. read the status: edXML, or the short JSON form completed from the document
      let status: EdxmlStatus;
      let bodySha256: string;
      let from: string;
      /** For a recall (13): the one recipient asked, or null for every recipient. */
      let addressee: string | null = null;
      let tolerated: readonly EdxmlWarning[] = [];
      if (body.kind === 'xml') {
        const parsed = await parser.parse(body.stream, { maxBytes: deps.maxBodyBytes, keepUpTo: 0, beforeAttachments: senderGate(principal) });
        if (parsed.message.kind !== 'status')
          throw new AppError('LT_VALIDATION', 'this is a document, not a status message: post it to /v1/documents', {
            errors: [{ path: 'body/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode', message: 'required element is missing' }],
          });
        status = parsed.message.status;
        tolerated = parsed.message.warnings;
        bodySha256 = parsed.digest.sha256;
        from = status.from.organId;
        // In a 13, ResponseFor/OrganId names the recipient asked (elsewhere, the document's issuer).
        if (status.statusCode === StatusCode.recallRequested) addressee = directory.resolveOrganId(status.responseFor.organId);
      } else {
        const input = parseWith(StatusBody, body.value, 'body');
        bodySha256 = jsonHash(body.value);
        from = input.from ?? defaultReporter(row, view.deliveriesOf(row.documentId), principal, input.statusCode);
        const staff: StaffInfo | undefined = typeof input.staff === 'string' ? { staff: input.staff } : input.staff;
        if (input.to !== undefined) {
          addressee = directory.resolveOrganId(input.to);
          const recipients = view.deliveriesOf(row.documentId).filter((d) => d.kind === 'document').map((d) => d.to);
          // Only the sender learns who the recipients are; anyone else gets the decider's 403.
          const asSender = principal.organIds.includes(row.senderOrganId);
          if (asSender && (addressee === null || !recipients.includes(addressee)))
            throw unprocessable(`${input.to} is not a recipient of document ${row.documentId}`, { unknown: [input.to] });
        }
        const header = row.document.header;
        const agency = directory.getAgency(from);
        status = {
          from: { organId: from, ...(agency ? { organName: agency.name } : {}) },
          responseFor: {
            // a recall names the recipient asked; each delivery renders its own recipient (see content)
            organId: input.statusCode === StatusCode.recallRequested ? (addressee ?? row.document.header.to[0]?.organId ?? row.senderOrganId) : row.senderOrganId,
            code: `${header.code.codeNumber}/${header.code.codeNotation}`,
            documentId: row.edxmlDocumentId ?? row.documentId,
            promulgationDate: header.promulgationInfo.promulgationDate,
          },
          ...(staff ? { staffInfo: staff } : {}),
          statusCode: input.statusCode as EdxmlStatus['statusCode'],
          ...(input.description ? { description: input.description } : {}),
          timestamp: input.timestamp ?? new Date().toISOString(),
          traceHeaders: [],
          variant: { namespaceStyle: 'prefixed', timestampFormat: 'yyyy/MM/dd', soapEnvelope: false },
        };
      }
      // 2. decide: the reporter must be a party; the status goes to the sender (or, for 13, to recipients)
      const resolved = resolve(from);
      const key = idempotencyKey ?? `body:${bodySha256}`;
      const result = await handleCommand(
        store,
        documentDecider,
        DocumentStreams.document(row.documentId),
        {
          type: 'ReportStatus',
          data: {
            callerOrganIds: principal.organIds,
            from: resolved,
            key,
            statusCode: status.statusCode,
            description: status.description ?? null,
            staff: status.staffInfo ?? null,
            timestamp: status.timestamp,
            status,
            addressee,
          },
        },
        context,
      );
      const event = result.appended.at(-1);
      if (event) {
        await deps.waitFor(event);
        const data = event.data as { statusId: string; deliveries: Array<{ organId: string; deliveryId: string }> };
        return { documentId: row.documentId, statusId: data.statusId, recipients: data.deliveries, ...warningsOf(tolerated) };
      }
      // a retry: answer from what the first one recorded
      const statusId = statusIdFor(row.documentId, resolved.organId!, key);
      const recipients = view
        .deliveriesOf(row.documentId)
        .filter((d) => d.statusId === statusId)
        .map((d) => ({ organId: d.to, deliveryId: d.deliveryId }));
      return { documentId: row.documentId, statusId, recipients, ...warningsOf(tolerated) };
    },

    /** Acknowledges a delivery of the caller's; `wait` makes the inbox reflect it before returning. */
    async acknowledge(deliveryId: string, principal: SystemPrincipal, context: CommandContext, wait = true): Promise<void> {
      const delivery = view.delivery(deliveryId);
      if (!delivery || !principal.organIds.includes(delivery.to)) throw notFound(`no delivery ${deliveryId}`);
      const result = await handleCommand(
        store,
        deliveryDecider,
        DocumentStreams.delivery(deliveryId),
        { type: 'AcknowledgeDelivery', data: { deliveryId, documentId: delivery.documentId, organId: delivery.to, kind: delivery.kind, callerOrganIds: principal.organIds } },
        context,
      );
      const last = result.appended.at(-1);
      if (wait && last) await deps.waitFor(last);
    },

    inbox(principal: SystemPrincipal, organId: string | undefined, limit: number): DeliveryView[] {
      return view.pending(organsOf(principal, organId, directory), limit);
    },

    /** The caller's delivery, rendered as edXML (stream) or JSON. */
    async content(deliveryId: string, principal: SystemPrincipal, format: 'edxml' | 'json'): Promise<{ type: 'edxml'; body: Readable | string } | { type: 'json'; body: unknown }> {
      const delivery = view.delivery(deliveryId);
      if (!delivery || !principal.organIds.includes(delivery.to)) throw notFound(`no delivery ${deliveryId}`);
      const doc = view.document(delivery.documentId);
      if (!doc) throw notFound(`no delivery ${deliveryId}`);
      const meta = { deliveryId, kind: delivery.kind, documentId: delivery.documentId, from: delivery.from, to: delivery.to, createdAt: delivery.createdAt, acknowledgedAt: delivery.acknowledgedAt };
      if (delivery.kind === 'document') {
        const hop = hubHop(doc.submittedAt);
        if (format === 'edxml') return { type: 'edxml', body: renderEdxmlStream(doc.document, { attachments: source, extraTraceHeader: hop }) };
        const d = doc.document;
        return { type: 'json', body: { ...meta, signature: doc.signature, document: { ...d, traceHeaders: [...d.traceHeaders, hop], attachments: d.attachments.map(attachmentLink) } } };
      }
      const status = view.status(delivery.statusId!);
      if (!status) throw notFound(`no delivery ${deliveryId}`);
      const hop = hubHop(status.reportedAt);
      const delivered = addressedTo(status.status, delivery.to);
      if (format === 'edxml') return { type: 'edxml', body: renderStatus(delivered, { extraTraceHeader: hop }) };
      return { type: 'json', body: { ...meta, status: { ...delivered, traceHeaders: [...delivered.traceHeaders, hop] } } };
    },

    /** Metadata, signature and per-recipient timelines; a recipient sees only its own deliveries. */
    getDocument(documentRef: string, principal: Principal) {
      const row = findDocument(documentRef, principal);
      if (!row) throw notFound(`no document ${documentRef}`);
      if (!mayRead(row, principal)) throw new AppError('LT_FORBIDDEN', `only the sender and the recipients of document ${row.documentId} can read it`);
      const seesAll = principal.kind === 'admin' || (principal.kind === 'system' && principal.organIds.includes(row.senderOrganId));
      const visible = (organId: string) => seesAll || (principal.kind === 'system' && principal.organIds.includes(organId));
      const deliveries = view.deliveriesOf(row.documentId);
      const statuses = view.statusesOf(row.documentId);
      const h = row.document.header;
      const recipients = deliveries
        .filter((d) => d.kind === 'document' && visible(d.to))
        .map((d) => {
          const own = statuses.filter((s) => s.from === d.to || deliveries.some((x) => x.statusId === s.statusId && x.to === d.to));
          const timeline = [
            { type: 'delivered', at: d.createdAt },
            ...(d.acknowledgedAt ? [{ type: 'acknowledged', at: d.acknowledgedAt }] : []),
            ...own.map((s) => ({ type: 'status', at: s.reportedAt, from: s.from, statusCode: s.statusCode, description: s.description, staff: s.staff, timestamp: s.timestamp })),
          ].sort((a, b) => a.at.localeCompare(b.at));
          const lastStatus = own.filter((s) => s.from === d.to).at(-1);
          return { organId: d.to, deliveryId: d.deliveryId, acknowledgedAt: d.acknowledgedAt, status: lastStatus?.statusCode ?? null, timeline };
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
        signature: { status: row.signature.status, ...(row.signature.signer ? { signer: row.signature.signer } : {}), ...(row.signature.reason ? { reason: row.signature.reason } : {}) },
        attachments: row.document.attachments.map(attachmentLink),
        revises: row.revises,
        revisedBy: view.revisionsOf(row.documentId),
        recipients,
      };
    },

    async attachment(sha256: string, principal: Principal): Promise<{ body: Readable; size: number; contentType?: string }> {
      const readable = principal.kind === 'admin' ? view.readableAttachment(sha256, 'any') : principal.kind === 'system' ? view.readableAttachment(sha256, principal.organIds) : null;
      if (!readable) throw notFound(`no attachment ${sha256}`);
      const stat = await blobs.stat(sha256);
      if (!stat) throw notFound(`no attachment ${sha256}`);
      // The content type is the document's (blobs stored before it moved there have it beside them).
      const contentType = readable.contentType ?? stat.contentType;
      return { body: await blobs.get(sha256), size: stat.size, ...(contentType ? { contentType } : {}) };
    },
  };
}
export type DocumentService = ReturnType<typeof createDocumentService>;

/** The caller's organisations, or the one asked for (which must be one of them). */
export function organsOf(principal: SystemPrincipal, organId: string | undefined, directory: Pick<DirectoryView, 'resolveOrganId'>): readonly string[] {
  if (organId === undefined) return principal.organIds;
  const resolved = directory.resolveOrganId(organId);
  const matching = principal.organIds.filter((o) => o === resolved);
  if (matching.length === 0) throw new AppError('LT_FORBIDDEN', `this system does not act for ${organId}`);
  return matching;
}

/** `header.from.organId` of a document's JSON form, if it has one there (the full check comes later). */
function jsonSender(value: unknown): string | null {
  const organId = (value as { header?: { from?: { organId?: unknown } } } | null)?.header?.from?.organId;
  return typeof organId === 'string' ? organId : null;
}

/**
 * A recall request (13) as one recipient receives it: its `ResponseFor/OrganId` names that
 * recipient, also when the sender asked every recipient at once. Other codes are unchanged.
 */
function addressedTo(status: EdxmlStatus, recipient: string): EdxmlStatus {
  if (status.statusCode !== StatusCode.recallRequested || status.responseFor.organId === recipient) return status;
  return { ...status, responseFor: { ...status.responseFor, organId: recipient } };
}

/** Which of the caller's organisations reports a status given in the short form (recall requests come from the sender). */
function defaultReporter(row: DocumentRow, deliveries: readonly DeliveryView[], principal: SystemPrincipal, statusCode: string): string {
  if (statusCode === StatusCode.recallRequested) return principal.organIds.includes(row.senderOrganId) ? row.senderOrganId : (principal.organIds[0] ?? row.senderOrganId);
  const recipients = deliveries.filter((d) => d.kind === 'document').map((d) => d.to);
  const mine = principal.organIds.filter((o) => recipients.includes(o));
  return mine[0] ?? principal.organIds[0] ?? '';
}
