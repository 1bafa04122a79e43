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

/** A request whose signature and digest passed; `fresh` says (later) whether its nonce was new. */
interface Verified {
  readonly peer: PeerData;
  readonly fresh: Promise<boolean>;
  readonly nonce: string;
}

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

  const refuseSignature = (error: SignatureError, request: IncomingRequest, peer: PeerData | undefined) =>
    refuse(error.code, 'LT_UNAUTHENTICATED', `signature refused (${error.code}): ${error.message}`, request, {
      peerId: peer?.peerId ?? null,
      keyId: error.keyId ?? null,
    });

  /**
   * The signature and the digest, with the nonce's record started but not awaited: `fresh`
   * settles once the store decided whether the nonce is new (the caller awaits it before it
   * hands anything over, and may read the body meanwhile).
   */
  const verify = async (request: IncomingRequest): Promise<Verified> => {
    let peer: PeerData | undefined;
    let fresh: Promise<boolean> = Promise.resolve(true);
    let nonce = '';
    try {
      const verified = await verifyRequest(
        { method: request.method, url: request.url, headers: request.headers },
        {
          keys: (keyId) => {
            peer = state.peerByKeyId(keyId);
            return peer ? state.publicKeyOf(peer) : undefined;
          },
          // asked once the signature is known good: the append starts now, its answer is awaited later
          nonces: {
            remember: (keyId, given, expiresAt) => {
              nonce = given;
              fresh = Promise.resolve(deps.nonces.remember(keyId, given, expiresAt));
              fresh.catch(() => undefined); // awaited by the caller; never an unhandled rejection meanwhile
              return true;
            },
            close() {},
          },
          ...(deps.now ? { now: deps.now } : {}),
        },
      );
      if (!peer) throw new SignatureError('unknown-key', undefined, verified.keyId);
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
      throw await refuseSignature(error, request, peer);
    }
    const digest = checkContentDigest(request.headers['content-digest'], request.body);
    if (digest) {
      await checkFresh(request, { peer, fresh, nonce }); // a replay is refused as such, as when the nonce was checked first
      throw await refuse('digest', 'LT_VALIDATION', `Content-Digest ${digest}: the body is not the one signed`, request, {
        peerId: peer.peerId,
        keyId: peer.keyId,
      });
    }
    return { peer, fresh, nonce };
  };

  /** Refuses a replayed nonce (401 `replayed-nonce`, recorded) once the store answered. */
  const checkFresh = async (request: IncomingRequest, { peer, fresh, nonce }: Verified): Promise<void> => {
    if (await fresh) return;
    throw await refuseSignature(
      new SignatureError('replayed-nonce', `nonce ${nonce} was already used with key ${peer.keyId}`, peer.keyId),
      request,
      peer,
    );
  };

  const authenticate: Receiver['authenticate'] = async (request) => {
    const verified = await verify(request);
    await checkFresh(request, verified);
    return verified.peer;
  };

  return {
    authenticate,
    refuse,
    async receive(kind, request, query) {
      const verified = await verify(request);
      const { peer } = verified;
      const who = { peerId: peer.peerId, keyId: peer.keyId };
      // 1. the edXML, read once by document routing's reader (without it, by the edxml package's, in
      //    memory) while the nonce's append is on its way; a replayed nonce is refused before any
      //    reading error, and nothing is handed over before the nonce is known new
      const inbound = deps.inbound();
      const reading = (
        inbound?.read ? inbound.read(request.body) : parseEdxml(request.body, { attachments: memoryAttachmentStore() })
      ).then(
        (message) => ({ message }),
        (error: unknown) => ({ error }),
      );
      await checkFresh(request, verified);
      const read = await reading;
      if ('error' in read) {
        const { error } = read;
        if (!(error instanceof EdxmlError) && !(error instanceof AppError && error.status === 400)) throw error;
        throw await refuse('malformed-edxml', 'LT_VALIDATION', `the edXML does not parse: ${error.message}`, request, who);
      }
      const message: EdxmlMessage = read.message;
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
