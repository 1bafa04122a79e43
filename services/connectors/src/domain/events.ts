/** The connector kinds of SPEC §8: the national public-service portal, and Standard Webhooks. */
export const ConnectorKinds = ['dvcqg', 'webhook'] as const;
export type ConnectorKind = (typeof ConnectorKinds)[number];

/** The stream of one connector: `connector-<connectorId>`. */
export const CONNECTOR_STREAM_PREFIX = 'connector-';
export const connectorStream = (connectorId: string) => `${CONNECTOR_STREAM_PREFIX}${connectorId}`;

/** An event the receiver refused for good, or that the retry budget could not deliver. */
export interface DeadLetter {
  readonly position: number;
  readonly eventId: string;
  readonly stream: string;
  readonly type: string;
  /** `rejected: <receiver's reason>`, `http-500`, `timeout`, `reset`… */
  readonly reason: string;
  readonly attempts: number;
  readonly firstAttemptAt: string;
}

export type ConnectorRegistered = {
  readonly type: 'ConnectorRegistered';
  readonly data: {
    readonly connectorId: string;
    readonly kind: ConnectorKind;
    readonly url: string;
    readonly secretSealed: string;
    readonly eventTypes: readonly string[] | null;
    readonly agencyIds: readonly string[] | null;
    readonly startAfter: number;
  };
};
export type ConnectorPaused = { readonly type: 'ConnectorPaused'; readonly data: Record<string, never> };
export type ConnectorResumed = { readonly type: 'ConnectorResumed'; readonly data: Record<string, never> };
export type ConnectorDeleted = { readonly type: 'ConnectorDeleted'; readonly data: Record<string, never> };
export type ConnectorReplayRequested = { readonly type: 'ConnectorReplayRequested'; readonly data: { readonly fromPosition: number } };
export type DeadLettersRetried = { readonly type: 'DeadLettersRetried'; readonly data: { readonly positions: readonly number[] } };
export type DeadLetterRedelivered = { readonly type: 'DeadLetterRedelivered'; readonly data: { readonly position: number } };
export type DeliveryCheckpointed = { readonly type: 'DeliveryCheckpointed'; readonly data: { readonly position: number } };
export type DeliveryDeadLettered = { readonly type: 'DeliveryDeadLettered'; readonly data: DeadLetter };

export type ConnectorEvent =
  | ConnectorRegistered
  | ConnectorPaused
  | ConnectorResumed
  | ConnectorDeleted
  | ConnectorReplayRequested
  | DeadLettersRetried
  | DeadLetterRedelivered
  | DeliveryCheckpointed
  | DeliveryDeadLettered;
