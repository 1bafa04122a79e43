import { handleCommand, type CommandContext } from '@lienthong/decider';
import { AppError } from '@lienthong/service-kit';
import { documentFromJson, verifyEdxmlSignature, type EdxmlDocument } from '@lienthong/edxml';
import { documentDecider, type ResolvedOrgan, type ResolvedReference } from '../domain/document-decider.js';
import { DocumentStreams, RevisionKind, type SignatureRecord } from '../domain/events.js';
import { UUID_PATTERN, documentIdFor, documentKeyOf } from '../domain/ids.js';
import { edxmlProblem } from '../intake.js';
import type { ParsedXml } from '../parsing/xml-parser.js';
import type { DocumentRow, RoutingView } from '../projections/routing-view.js';
import { senderGate } from './access.js';
import { jsonHash, warningsOf, type AnswerWarnings, type MessageBody, type ServiceContext, type SystemPrincipal } from './context.js';

export interface SubmitAnswer extends AnswerWarnings {
  readonly documentId: string;
  readonly recipients: ReadonlyArray<{ organId: string; deliveryId: string }>;
}

const REVISION_KINDS: Record<number, RevisionKind> = { 1: RevisionKind.revoke, 2: RevisionKind.update, 3: RevisionKind.replace };

/** `POST /v1/documents`: a document in edXML or JSON, decided and appended with its deliveries. */
export function submitDocument(ctx: ServiceContext) {
  const { store, view, directory, blobs, parser, sink } = ctx;

  return async function submit(
    body: MessageBody,
    principal: SystemPrincipal,
    context: CommandContext,
    idempotencyKey?: string,
  ): Promise<SubmitAnswer> {
    // 1. read the message, attachments streaming into the blob store
    let document: EdxmlDocument;
    let bodySha256: string;
    let xml: ParsedXml | null = null;
    const format = body.kind === 'xml' ? 'edxml' : 'json';
    if (body.kind === 'xml') {
      const parsed = await parser.parse(body.stream, {
        maxBytes: ctx.maxBodyBytes,
        keepUpTo: ctx.verifyMaxBytes,
        beforeAttachments: senderGate(directory, principal),
        verify: true,
      });
      if (parsed.message.kind !== 'document')
        throw new AppError('LT_VALIDATION', 'this is a status message: post it to /v1/documents/{documentId}/status', {
          errors: [{ path: 'body/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode', message: 'a document has no StatusCode' }],
        });
      document = parsed.message.document;
      bodySha256 = parsed.digest.sha256;
      xml = parsed;
    } else {
      const sender = jsonSender(body.value);
      if (sender !== null) senderGate(directory, principal)(sender); // a missing sender is the schema's 400, below
      // Content referenced by hash must be an attachment of a document the caller is already a
      // party to: a hash seen elsewhere (a log, a link) must not open another agency's file.
      const stored = async (sha: string) =>
        view.readableAttachment(sha, principal.organIds) ? ((await blobs.stat(sha)) ?? undefined) : undefined;
      document = await documentFromJson(body.value, { attachments: sink, stored }).catch((e: unknown) => {
        throw edxmlProblem(e);
      });
      bodySha256 = jsonHash(body.value);
    }
    // 2. verify the signature, resolve sender, recipients and referenced documents
    const signature = signatureOf(document, xml, ctx.verifyMaxBytes);
    const from = ctx.resolve(document.header.from.organId);
    const references = referencesOf(view, document, from.organId);
    const { to, remote } = behindPeers(
      ctx,
      document.header.to.map((t) => ctx.resolve(t.organId)),
      references,
    );
    const edxmlDocumentId = document.header.documentId ?? null;
    const key = documentKeyOf(idempotencyKey, edxmlDocumentId, document.business?.docType ?? 0, bodySha256);
    const documentId = documentIdFor(from.organId ?? from.given, key);
    const command = {
      type: 'SubmitDocument' as const,
      data: {
        documentId,
        systemId: principal.id,
        callerOrganIds: principal.organIds,
        requireValidSignature: principal.requireValidSignature,
        from,
        to,
        references,
        ...(remote ? { remote } : {}),
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
    if (last) await ctx.waitFor(last);
    if (!result.state.exists) throw new Error('document not created');
    return {
      documentId,
      recipients: result.state.recipients.map(({ organId, deliveryId }) => ({ organId, deliveryId })),
      ...warningsOf(xml?.message.warnings ?? []),
    };
  };
}

/**
 * Recipients behind peer hubs (SPEC §6): those the local directory does not know are looked up
 * in federation's routes; one whose peer's synced directory does not list it stays unknown (422).
 * Recipients of a revised document that are not local get their peer again. Nothing is looked up
 * when every recipient is local or no federation is wired.
 */
export function behindPeers(
  ctx: ServiceContext,
  to: readonly ResolvedOrgan[],
  references: readonly ResolvedReference[],
  exclude?: string,
): { to: readonly ResolvedOrgan[]; remote?: Record<string, string> } {
  if (references.length === 0 && to.every((t) => t.organId !== null)) return { to };
  const outbound = ctx.federation?.();
  if (!outbound) return { to };
  const remote: Record<string, string> = {};
  const route = (organId: string) => {
    const r = outbound.resolve(organId);
    // never back to the peer it came from: that is a loop, not a route
    if (r === undefined || r.known === false || r.peerId === exclude) return false;
    remote[organId] = r.peerId;
    return true;
  };
  const resolved = to.map((t) => (t.organId === null && route(t.given) ? { given: t.given, organId: t.given } : t));
  for (const r of references) for (const organId of r.recipients) if (ctx.directory.resolveOrganId(organId) === null) route(organId);
  return Object.keys(remote).length > 0 ? { to: resolved, remote } : { to: resolved };
}

/** `parsed`: the edXML as read (null for the JSON form). */
export function signatureOf(document: EdxmlDocument, parsed: ParsedXml | null, verifyMaxBytes: number): SignatureRecord {
  if (!document.signature) return { status: 'absent' };
  if (parsed === null) return { status: 'invalid', reason: 'a signature cannot be verified on the JSON form; send edXML' };
  // Verified where it was parsed (a worker, which then keeps the bytes), or here.
  if (!parsed.verification && parsed.digest.raw === null)
    return { status: 'invalid', reason: `not verified: the package is larger than ${verifyMaxBytes} bytes` };
  const v = parsed.verification ?? verifyEdxmlSignature(parsed.digest.raw!);
  return {
    status: v.status,
    ...(v.signer ? { signer: v.signer } : {}),
    ...(v.algorithm ? { algorithm: v.algorithm } : {}),
    ...(v.reason ? { reason: v.reason } : {}),
  };
}

/** The earlier documents a revoke/update/replace names, looked up among the sender's own. */
export function referencesOf(view: RoutingView, document: EdxmlDocument, senderOrganId: string | null): ResolvedReference[] {
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
    const row = senderOrganId === null ? null : (view.sentByEdxmlId(senderOrganId, given) ?? byHubId(view, given, senderOrganId));
    return {
      given,
      kind,
      documentId: row?.documentId ?? null,
      recipients: row
        ? view
            .deliveriesOf(row.documentId)
            .filter((d) => d.kind === 'document')
            .map((d) => d.to)
        : [],
    };
  });
}

function byHubId(view: RoutingView, id: string, senderOrganId: string): DocumentRow | null {
  if (!UUID_PATTERN.test(id)) return null;
  const row = view.document(id);
  return row?.senderOrganId === senderOrganId ? row : null;
}

/** `header.from.organId` of a document's JSON form, if it has one there (the full check comes later). */
function jsonSender(value: unknown): string | null {
  const organId = (value as { header?: { from?: { organId?: unknown } } } | null)?.header?.from?.organId;
  return typeof organId === 'string' ? organId : null;
}
