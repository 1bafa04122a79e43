/**
 * What document routing and federation say to each other (SPEC §6), as two ports, so that
 * document routing can be wired with a small change: it gives federation a {@link FederationInbound}
 * and asks the {@link FederationOutbound} federation exposes.
 */
import type { EdxmlMessage } from '@lienthong/edxml';

/** A message a peer transferred to this hub, verified, deduplicated and parsed. */
export interface InboundTransfer {
  /** The peer that sent it (the last hop). */
  readonly peerId: string;
  /** The hub that first sent it into federation, and its id there: unique together. */
  readonly origin: string;
  readonly documentId: string;
  /**
   * The recipients the sending hub routed to this one (a transfer carries those its peer serves,
   * not every `To`); taken from the message when the peer did not name them.
   */
  readonly recipients: readonly string[];
  /** The edXML exactly as received (with every hop's TraceHeader so far). */
  readonly edxml: string;
  readonly message: EdxmlMessage;
}

/**
 * Implemented by document routing: route a message received from a peer to the local recipients
 * (and on to other peers for the others). Must be idempotent per (origin, documentId): after a
 * crash federation hands the same transfer over again.
 */
export interface FederationInbound {
  /**
   * Reads a transfer's edXML once, with document routing's reader (attachments into its blob
   * store, the XML signature verified, off the event loop): federation checks the message it
   * returns, then hands that same message back in {@link InboundTransfer.message}, so nothing is
   * parsed twice. A malformed edXML rejects with a 400 `AppError` (or an `EdxmlError`). Optional:
   * without it federation parses with `@lienthong/edxml` and document routing reads again.
   */
  read?(edxml: Buffer): Promise<EdxmlMessage>;
  acceptDocument(transfer: InboundTransfer): Promise<AcceptedTransfer>;
  acceptStatus(transfer: InboundTransfer): Promise<AcceptedTransfer>;
  /**
   * Renders again the edXML of an outbound message queued with a {@link OutboundMessage.source}
   * (the same bytes up to serialization: same TraceHeader time): federation asks it when it must
   * send a transfer whose edXML it no longer holds in memory (after a restart). Optional: without
   * it such a transfer fails its attempts (retried) until a host connects one.
   */
  render?(source: string): Promise<string>;
}

/**
 * What document routing made of a transfer. Its append is the receiver's one durable record: a
 * copy (the sender retried after a crash on either side) decides nothing and is a duplicate.
 */
export interface AcceptedTransfer {
  /** True when an earlier copy was already accepted: nothing new was recorded. */
  readonly duplicate: boolean;
}

/** Where a recipient that is not in the local directory lives. */
export interface RemoteRecipient {
  readonly organId: string;
  readonly peerId: string;
  /** Whether the peer's synced directory lists it; null when the peer's directory was never synced. */
  readonly known: boolean | null;
  /** The agency's name in the peer's directory, for timelines. */
  readonly name: string | null;
}

export interface OutboundMessage {
  /** This hub's id of the document (or of the status message). */
  readonly documentId: string;
  /** The hub that first sent it into federation (default: this hub). Forwarding hubs keep the origin's. */
  readonly origin?: string;
  /** Remote recipients (organ ids): grouped per peer, one transfer per peer. */
  readonly recipients: readonly string[];
  /** The canonical edXML with this hub's TraceHeader appended ({@link FederationOutbound.traceHeader}). */
  readonly edxml: string;
  /**
   * A reference to what this hub already stored, from which {@link FederationInbound.render}
   * gives the same edXML again (opaque to federation, a few hundred bytes at most). When given,
   * the transfer's durable record keeps this instead of a second copy of the edXML; the edXML
   * itself is held in memory until sent.
   */
  readonly source?: string;
}

export interface QueuedTransfer {
  readonly transferId: string;
  readonly peerId: string;
  readonly recipients: readonly string[];
}

/** Where one message's transfer to one peer stands, for the sender's timeline. */
export interface TransferProgress {
  readonly peerId: string;
  /** `pending` until the peer answers 2xx (`delivered`) or an admin drops it (`dropped`). */
  readonly status: 'pending' | 'delivered' | 'dropped';
  readonly queuedAt: string;
  /** Attempts made so far, the one that succeeded included. */
  readonly attempts: number;
  /** Why the last failed attempt failed (`http-503: …`, `network: …`), null before any failure. */
  readonly lastError: string | null;
  /** When the last failed attempt was made. */
  readonly lastAttemptAt: string | null;
  /** When the next attempt is due (pending after a failure), else null. */
  readonly nextAttemptAt: string | null;
  /** When the peer accepted it (delivered) or the admin dropped it (dropped). */
  readonly endedAt: string | null;
  /** The admin's reason, for a dropped transfer. */
  readonly dropReason: string | null;
}

/** Implemented by federation; document routing calls it. */
export interface FederationOutbound {
  /** This hub's TraceHeader for a message sent now: `renderEdxml(doc, { extraTraceHeader })`. */
  traceHeader(at?: Date): { readonly organId: string; readonly timestamp: string };
  /** The peer serving an organ id, most specific route first; undefined when no route matches (→ 422). */
  resolve(organId: string): RemoteRecipient | undefined;
  /**
   * Queues one transfer per peer (durably, before it returns); delivered in the background with
   * retries. Idempotent per (peer, origin, documentId). Throws when a recipient has no route.
   */
  queueDocument(message: OutboundMessage): Promise<readonly QueuedTransfer[]>;
  /** The same for a status message (documentId: the status message's own id). */
  queueStatus(message: OutboundMessage): Promise<readonly QueuedTransfer[]>;
  /**
   * Where the transfer of a message to a peer stands, read from its stream; null when none was
   * queued. `origin` as in {@link OutboundMessage.origin} (default: this hub).
   */
  transferProgress(peerId: string, kind: 'document' | 'status', documentId: string, origin?: string): Promise<TransferProgress | null>;
}

/**
 * How a host connects the two services (they never import each other): federation hands this
 * over once built; document routing plugs its inbound side in and keeps the outbound.
 */
export interface FederationLink {
  readonly outbound: FederationOutbound;
  connect(inbound: FederationInbound): void;
}
