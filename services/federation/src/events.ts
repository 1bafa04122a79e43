/** The federation service's events (SPEC §6). */
export const FEDERATION_STREAM_PREFIXES = [
  'fed-peer-',
  'fed-transfer-',
  'fed-received-',
  'fed-refusal-',
  'fed-directory-',
  'fed-nonce-',
] as const;
export const peerStream = (peerId: string) => `fed-peer-${peerId}`;
export const transferStream = (transferId: string) => `fed-transfer-${transferId}`;
/** Written by earlier versions only (a received transfer is now recorded by document routing's append alone). */
export const receivedStream = (key: string) => `fed-received-${key}`;
/** One per signature nonce accepted: created with "no stream" expected, so a replay fails on any replica of the store. */
export const nonceStream = (key: string) => `fed-nonce-${key}`;
export const refusalStream = (refusalId: string) => `fed-refusal-${refusalId}`;
export const directoryStream = (peerId: string) => `fed-directory-${peerId}`;

export const PeerKinds = ['hub', 'axis'] as const;
export type PeerKind = (typeof PeerKinds)[number];

export interface PeerData {
  readonly peerId: string;
  readonly name: string;
  readonly baseUrl: string;
  readonly keyId: string;
  /** Raw 32-byte Ed25519 public key, base64url (as `/v1/federation/identity` gives it). */
  readonly publicKey: string;
  readonly routes: readonly string[];
  readonly kind: PeerKind;
}

export type PeerEvent =
  | { readonly type: 'PeerRegistered'; readonly data: PeerData }
  | { readonly type: 'PeerUpdated'; readonly data: PeerData }
  | { readonly type: 'PeerRetired'; readonly data: { readonly peerId: string } };

export const TransferKinds = ['document', 'status'] as const;
export type TransferKind = (typeof TransferKinds)[number];

export interface TransferQueuedData {
  readonly transferId: string;
  readonly peerId: string;
  readonly kind: TransferKind;
  /** The hub that first sent the message into federation, and its id for it: the receiver dedupes on both. */
  readonly origin: string;
  readonly documentId: string;
  /** The recipients behind this peer. */
  readonly recipients: readonly string[];
  /**
   * The edXML as sent, with this hub's TraceHeader appended: written by earlier versions, and when
   * the queuing side gave no `source`.
   */
  readonly edxml?: string;
  /** Where the queuing side renders the edXML again from (`FederationInbound.render`): instead of `edxml`. */
  readonly source?: string;
}

export type TransferEvent =
  | { readonly type: 'TransferQueued'; readonly data: TransferQueuedData }
  | {
      readonly type: 'TransferAttempted';
      readonly data: {
        readonly transferId: string;
        readonly attempt: number;
        /** `http-<status>`, `network`, `timeout`. */
        readonly reason: string;
        readonly detail: string;
        readonly nextAttemptAt: string;
      };
    }
  | {
      readonly type: 'TransferDelivered';
      readonly data: { readonly transferId: string; readonly attempts: number; readonly status: number; readonly latencyMs: number };
    }
  | { readonly type: 'TransferDropped'; readonly data: { readonly transferId: string; readonly reason: string } };

/**
 * A transfer this hub accepted from a peer, recorded before it was handed to document routing,
 * by earlier versions (stores may still hold them; nothing writes or reads them now).
 */
export type ReceivedEvent =
  | {
      readonly type: 'TransferReceived';
      readonly data: {
        readonly peerId: string;
        readonly origin: string;
        readonly documentId: string;
        readonly kind: TransferKind;
        readonly edxml: string;
      };
    }
  | {
      readonly type: 'TransferHandedOff';
      readonly data: { readonly peerId: string; readonly origin: string; readonly documentId: string };
    };

export const RefusalReasons = [
  'missing-signature',
  'malformed-signature',
  'missing-components',
  'missing-parameters',
  'unsupported-algorithm',
  'unknown-key',
  'stale-created',
  'bad-signature',
  'replayed-nonce',
  'digest',
  'foreign-from',
  'loop',
  'too-large',
  'malformed-edxml',
] as const;
export type RefusalReason = (typeof RefusalReasons)[number];

export interface RefusalData {
  readonly refusalId: string;
  readonly reason: RefusalReason;
  readonly status: number;
  readonly detail: string;
  readonly path: string;
  /** The peer the signature named (or claimed), when any. */
  readonly peerId: string | null;
  readonly keyId: string | null;
  readonly remoteAddress: string;
}
export type RefusalEvent = { readonly type: 'FederationRequestRefused'; readonly data: RefusalData };

export interface RemoteAgency {
  readonly organId: string;
  readonly name: string;
}
export type DirectoryEvent = {
  readonly type: 'PeerDirectorySynced';
  readonly data: { readonly peerId: string; readonly agencies: readonly RemoteAgency[] };
};

/** A signature's nonce, accepted once per key (SPEC §6: replays refused across replicas of one store). */
export type NonceEvent = {
  readonly type: 'FederationNonceUsed';
  readonly data: { readonly keyId: string; readonly nonce: string; readonly expiresAt: string };
};

export type FederationEvent = PeerEvent | TransferEvent | ReceivedEvent | RefusalEvent | DirectoryEvent | NonceEvent;
