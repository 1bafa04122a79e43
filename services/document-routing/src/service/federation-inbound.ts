import { Readable } from 'node:stream';
import { handleCommand } from '@lienthong/decider';
import { AppError, notFound } from '@lienthong/service-kit';
import { StatusCode, type EdxmlMessage, type EdxmlStatus } from '@lienthong/edxml';
import type { ParsedXml } from '../parsing/xml-parser.js';
import type { FederationInbound, InboundTransfer } from '@lienthong/federation-contract';
import type { FederationOrigin } from '../domain/events.js';
import { DocumentStreams } from '../domain/events.js';
import { UUID_PATTERN, documentIdFor, sha256Hex } from '../domain/ids.js';
import type { ResolvedOrgan } from '../domain/document-decider.js';
import { documentDecider } from '../domain/document-decider.js';
import type { DocumentRow, RoutingView } from '../projections/routing-view.js';
import type { ServiceContext } from './context.js';
import { behindPeers, referencesOf, signatureOf } from './submit-document.js';
import { parseTransferSource, renderTransfer } from '../federation-reactor.js';

/** What makes two copies of a transfer one message: the hub that first sent it and its id there. */
const transferKey = (t: InboundTransfer) => `federation:${t.origin}:${t.documentId}`;

/**
 * Document routing's side of federation (SPEC §6): a document or a status a peer hub transferred,
 * already verified by federation (signature, `From` covered by the peer, no loop), routed as if
 * submitted here by the peer: delivered to the local recipients, queued again for those behind
 * other peers (an axis forwards). Idempotent per (origin, document id): a copy handed over again
 * after a crash decides nothing new.
 */
export function federationInbound(ctx: ServiceContext): FederationInbound {
  const { store, view, directory } = ctx;
  /** A party behind a peer is named as given; one this hub serves by its directory id. */
  const party = (given: string): ResolvedOrgan => ({ given, organId: directory.resolveOrganId(given) ?? given });
  const originOf = (t: InboundTransfer): FederationOrigin => ({ hub: t.origin, messageId: t.documentId, peerId: t.peerId });
  const context = (t: InboundTransfer) => ({ correlationId: t.documentId, actor: `peer:${t.peerId}` });
  /** This hub's reader: attachments into the blob store, the signature verified (on a parse worker). */
  const readEdxml = (edxml: Buffer | string) =>
    ctx.parser.parse(Readable.from([edxml]), { maxBytes: ctx.maxBodyBytes, keepUpTo: ctx.verifyMaxBytes, verify: true });
  /** What `read` gave federation, found again by the message it hands back (read once per transfer). */
  const reads = new WeakMap<EdxmlMessage, ParsedXml>();

  return {
    async render(text) {
      const outbound = ctx.federation?.();
      const traceHeader = outbound
        ? (at?: Date) => outbound.traceHeader(at)
        : (at = new Date()) => ({ organId: ctx.hubOrganId, timestamp: at.toISOString() });
      return renderTransfer({ store, source: ctx.source, outbound: { traceHeader } }, parseTransferSource(text));
    },

    async read(edxml) {
      const parsed = await readEdxml(edxml);
      reads.set(parsed.message, parsed);
      return parsed.message;
    },

    async acceptDocument(transfer) {
      // 1. the reading federation asked for (or read it now)
      const parsed = reads.get(transfer.message) ?? (await readEdxml(transfer.edxml));
      if (parsed.message.kind !== 'document') throw new AppError('LT_VALIDATION', 'a status message sent as a document');
      const document = parsed.message.document;
      // 2. the recipients the sending hub routed here: local ones, or behind another peer (never back)
      const from = party(document.header.from.organId);
      const wanted = new Set(transfer.recipients);
      const references = referencesOf(view, document, from.organId).map((r) => ({
        ...r,
        recipients: r.recipients.filter((o) => wanted.has(o)),
      }));
      const named = transfer.recipients.map((given) => ctx.resolve(given));
      const { to, remote } = behindPeers(ctx, named, references, transfer.peerId);
      const key = transferKey(transfer);
      const documentId = documentIdFor(from.organId!, key);
      // 3. decide and append as a submission by the peer; any copy is a replay of the first
      const result = await handleCommand(
        store,
        documentDecider,
        DocumentStreams.document(documentId),
        {
          type: 'SubmitDocument',
          data: {
            documentId,
            systemId: `peer:${transfer.peerId}`,
            callerOrganIds: [from.organId!],
            requireValidSignature: false,
            from,
            to,
            references,
            edxmlDocumentId: document.header.documentId ?? null,
            idempotency: { key, bodySha256: sha256Hex(key) },
            format: 'edxml',
            document,
            signature: signatureOf(document, parsed, ctx.verifyMaxBytes),
            ...(remote ? { remote } : {}),
            origin: originOf(transfer),
          },
        },
        context(transfer),
      );
      const last = result.appended.at(-1);
      if (last) await ctx.waitFor(last);
      return { duplicate: last === undefined };
    },

    async acceptStatus(transfer) {
      if (transfer.message.kind !== 'status') throw new AppError('LT_VALIDATION', 'a document sent as a status message');
      const status = transfer.message.status;
      const row = documentForStatus(view, status, transfer.origin, party);
      if (!row)
        throw notFound(
          `no document ${status.responseFor.documentId ?? '(no DocumentId)'} from ${status.responseFor.organId} passed this hub`,
        );
      const from = party(status.from.organId);
      // a recall (13) goes to the recipients the sending hub named, all of them when it named several
      const [only, ...others] = transfer.recipients;
      const addressee =
        status.statusCode === StatusCode.recallRequested && only !== undefined && others.length === 0
          ? { ...party(only), otherwise: 'every-recipient' as const }
          : null;
      const result = await handleCommand(
        store,
        documentDecider,
        DocumentStreams.document(row.documentId),
        {
          type: 'ReportStatus',
          data: {
            callerOrganIds: [from.organId!],
            from,
            key: transferKey(transfer),
            statusCode: status.statusCode,
            description: status.description ?? null,
            staff: status.staffInfo ?? null,
            timestamp: status.timestamp,
            status,
            addressee,
            origin: originOf(transfer),
          },
        },
        context(transfer),
      );
      const last = result.appended.at(-1);
      if (last) await ctx.waitFor(last);
      return { duplicate: last === undefined };
    },
  };
}

/**
 * The document a peer's status is about: by the hub id it was given here (it started here, or
 * it is a recall from the hub it came from), else by its edXML DocumentId among its sender's.
 */
function documentForStatus(
  view: RoutingView,
  status: EdxmlStatus,
  origin: string,
  party: (given: string) => ResolvedOrgan,
): DocumentRow | null {
  const ref = status.responseFor.documentId;
  if (ref === undefined) return null;
  // ResponseFor names the issuer, except in a recall (13), which the issuer sends itself
  const sender = party(status.statusCode === StatusCode.recallRequested ? status.from.organId : status.responseFor.organId).organId!;
  if (UUID_PATTERN.test(ref)) {
    const row = view.document(ref) ?? view.document(documentIdFor(sender, `federation:${origin}:${ref}`));
    if (row) return row;
  }
  return view.sentByEdxmlId(sender, ref);
}
