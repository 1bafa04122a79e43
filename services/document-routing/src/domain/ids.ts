import { derivedId } from '@lienthong/decider';

// The idempotency mechanism (derived ids, canonical JSON) is shared with the other services.
export { canonicalJson, derivedId, sha256Hex } from '@lienthong/decider';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What makes two submissions one document: the caller's `Idempotency-Key`; else the edXML
 * `DocumentId` with its business type (an update or a replacement reuses the id of what it
 * revises, and is another message); else the body itself.
 */
export function documentKeyOf(
  idempotencyKey: string | undefined,
  edxmlDocumentId: string | null,
  docType: number,
  bodySha256: string,
): string {
  if (idempotencyKey !== undefined) return idempotencyKey;
  return edxmlDocumentId === null ? `body:${bodySha256}` : `edxml:${docType}:${edxmlDocumentId}`;
}

/** What makes two status reports one: the caller's `Idempotency-Key`, else the body itself. */
export const statusKeyOf = (idempotencyKey: string | undefined, bodySha256: string): string => idempotencyKey ?? `body:${bodySha256}`;

export const documentIdFor = (senderOrganId: string, idempotencyKey: string): string =>
  derivedId('document', senderOrganId, idempotencyKey);
export const deliveryIdFor = (messageId: string, organId: string): string => derivedId('delivery', messageId, organId);
export const statusIdFor = (documentId: string, from: string, key: string): string => derivedId('status', documentId, from, key);
