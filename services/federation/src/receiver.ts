/**
 * What a peer sends this hub (SPEC §6), checked in this order, each refusal answered with
 * problem+json and recorded as an event the admin lists: the signature (401), the digest (400),
 * the edXML (400), `From` covered by the peer's routes unless it is the axis (403), no loop in the
 * TraceHeaders (409). Then handed to document routing, which records it once per (origin, documentId).
 */
import { randomUUID } from 'node:crypto';
import { EdxmlError, memoryAttachmentStore, parseEdxml, type EdxmlMessage } from '@lienthong/edxml';
import { ExpectedRevision, type EventStore } from '@lienthong/event-store';
import { checkContentDigest, SignatureError, verifyRequest, type NonceStore } from '@lienthong/http-signatures';
import { AppError, type ErrorCode } from '@lienthong/service-kit';
import { routesCover } from './domain/route-patterns.js';
import { refusalStream, type PeerData, type RefusalData, type RefusalReason, type TransferKind } from './events.js';
import type { FederationState } from './federation-state.js';
import type { AcceptedTransfer, FederationInbound } from '@lienthong/federation-contract';
import type { FederationMetrics } from './outbox/metrics.js';

export interface IncomingRequest {
  readonly method: string;
  /** The absolute URL as the sender addressed it (`@target-uri`). */
  readonly url: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly remoteAddress: string;
}

export interface ReceiverDeps {
  readonly store: EventStore;
  readonly state: FederationState;
  readonly nonces: NonceStore;
  readonly hubOrganId: string;
  readonly metrics: FederationMetrics;
  /** Document routing's side; without it, transfers are refused with 503 (the sender retries). */
  readonly inbound: () => FederationInbound | undefined;
  readonly now?: () => Date;
}

export interface Receiver {
  /** Verifies a signed request and returns the peer that sent it; refusals are recorded. */
  authenticate(request: IncomingRequest): Promise<PeerData>;
  receive(
    kind: TransferKind,
    request: IncomingRequest,
    query: { origin: string; documentId: string; to?: string },
  ): Promise<{ status: 200 | 202; duplicate: boolean }>;
  /** Records a refusal decided elsewhere (an oversized body refused before it was read). */
  refuse(
    reason: RefusalReason,
    code: ErrorCode,
    detail: string,
    request: Pick<IncomingRequest, 'path' | 'remoteAddress'>,
    peer?: { peerId: string | null; keyId: string | null },
  ): Promise<AppError>;
}

const ACTOR = 'federation-receiver';

export function createReceiver(deps: ReceiverDeps): Receiver {
  const { store, state } = deps;

  const refuse: Receiver['refuse'] = async (reason, code, detail, request, peer) => {
    const data: RefusalData = {
      refusalId: randomUUID(),
      reason,
      status: new AppError(code, detail).status,
      detail,
      path: request.path,
      peerId: peer?.peerId ?? null,
      keyId: peer?.keyId ?? null,
      remoteAddress: request.remoteAddress,
    };
    const metadata = { correlationId: data.refusalId, causationId: null, actor: ACTOR, at: (deps.now?.() ?? new Date()).toISOString() };
    await store.append(refusalStream(data.refusalId), [{ type: 'FederationRequestRefused', data, metadata }], {
      expectedRevision: ExpectedRevision.noStream,
    });
    deps.metrics.refusals.inc({ reason });
    return new AppError(code, detail, { extensions: { reason, refusalId: data.refusalId } });
  };

  const authenticate: Receiver['authenticate'] = async (request) => {
    let peer: PeerData | undefined;
    try {
      const verified = await verifyRequest(
        { method: request.method, url: request.url, headers: request.headers },
        {
          keys: (keyId) => {
            peer = state.peerByKeyId(keyId);
            return peer ? state.publicKeyOf(peer) : undefined;
          },
          nonces: deps.nonces,
          ...(deps.now ? { now: deps.now } : {}),
        },
      );
      if (!peer) throw new SignatureError('unknown-key', undefined, verified.keyId);
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
      throw await refuse(error.code, 'LT_UNAUTHENTICATED', `signature refused (${error.code}): ${error.message}`, request, {
        peerId: peer?.peerId ?? null,
        keyId: error.keyId ?? null,
      });
    }
    const digest = checkContentDigest(request.headers['content-digest'], request.body);
    if (digest)
      throw await refuse('digest', 'LT_VALIDATION', `Content-Digest ${digest}: the body is not the one signed`, request, {
        peerId: peer.peerId,
        keyId: peer.keyId,
      });
    return peer;
  };

  return {
    authenticate,
    refuse,
    async receive(kind, request, query) {
      const peer = await authenticate(request);
      const who = { peerId: peer.peerId, keyId: peer.keyId };
      // 1. the edXML, read once by document routing's reader (without it, by the edxml package's, in memory)
      const inbound = deps.inbound();
      let message: EdxmlMessage;
      try {
        message = inbound?.read
          ? await inbound.read(request.body)
          : await parseEdxml(request.body, { attachments: memoryAttachmentStore() });
      } catch (error) {
        if (!(error instanceof EdxmlError) && !(error instanceof AppError && error.status === 400)) throw error;
        throw await refuse('malformed-edxml', 'LT_VALIDATION', `the edXML does not parse: ${error.message}`, request, who);
      }
      if ((message.kind === 'document') !== (kind === 'document'))
        throw await refuse('malformed-edxml', 'LT_VALIDATION', `a ${message.kind} message sent to the ${kind} endpoint`, request, who);
      const from = message.kind === 'document' ? message.document.header.from.organId : message.status.from.organId;
      const traceHeaders = message.kind === 'document' ? message.document.traceHeaders : message.status.traceHeaders;
      // 2. the peer speaks only for the organisations its routes cover, unless it is the axis
      if (peer.kind !== 'axis' && !routesCover(peer.routes, from))
        throw await refuse(
          'foreign-from',
          'LT_FORBIDDEN',
          `peer ${peer.peerId} does not serve ${from} (routes ${peer.routes.join(', ')})`,
          request,
          who,
        );
      // 3. a message that already passed this hub is a loop
      if (traceHeaders.some((h) => h.organId?.toLowerCase() === deps.hubOrganId.toLowerCase()))
        throw await refuse(
          'loop',
          'LT_CONFLICT',
          `the TraceHeaderList already holds this hub (${deps.hubOrganId}): a routing loop`,
          request,
          who,
        );
      if (!inbound) throw new AppError('LT_UNAVAILABLE', 'document routing is not wired to federation on this hub yet; retry later');
      // 4. hand over: document routing's append (idempotent per origin and document id) is the one
      //    durable record of the transfer; a copy (a retry after a crash on either side) is a duplicate
      const recipients = query.to
        ? query.to.split(',').filter((r) => r.length > 0)
        : message.kind === 'document'
          ? message.document.header.to.map((r) => r.organId)
          : [message.status.responseFor.organId];
      const transfer = {
        peerId: peer.peerId,
        origin: query.origin,
        documentId: query.documentId,
        recipients,
        edxml: request.body.toString('utf8'),
        message,
      };
      const accepted: AcceptedTransfer =
        kind === 'document' ? await inbound.acceptDocument(transfer) : await inbound.acceptStatus(transfer);
      return accepted.duplicate ? { status: 200, duplicate: true } : { status: 202, duplicate: false };
    },
  };
}
