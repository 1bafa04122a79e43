import { derivedId } from '@lienthong/decider';

// The idempotency mechanism (derived ids, canonical JSON) is shared with the other services.
export { canonicalJson, derivedId, sha256Hex } from '@lienthong/decider';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const documentIdFor = (senderOrganId: string, idempotencyKey: string): string =>
  derivedId('document', senderOrganId, idempotencyKey);
export const deliveryIdFor = (messageId: string, organId: string): string => derivedId('delivery', messageId, organId);
export const statusIdFor = (documentId: string, from: string, key: string): string => derivedId('status', documentId, from, key);
