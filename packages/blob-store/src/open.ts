import { join } from 'node:path';
import { createFsBlobStore } from './fs-blob-store.js';
import { createNatsBlobStore } from './nats-blob-store.js';
import type { BlobStore } from './types.js';

export interface OpenBlobStoreOptions {
  /** `LT_NATS_URL`: when set, blobs go to the NATS Object Store bucket `LT_BLOBS`. */
  readonly natsUrl?: string | undefined;
  /** `LT_DATA_DIR`: holds `blobs/` (directory store) or `blob-spool/` (NATS spool files). */
  readonly dataDir: string;
}

/** The configured blob store: NATS Object Store when a NATS URL is given, else `<dataDir>/blobs`. */
export function openBlobStore(options: OpenBlobStoreOptions): Promise<BlobStore> {
  const natsUrl = options.natsUrl?.trim();
  if (natsUrl) {
    return createNatsBlobStore({
      servers: natsUrl.split(',').map((url) => url.trim()),
      spoolDir: join(options.dataDir, 'blob-spool'),
    });
  }
  return createFsBlobStore({ dir: join(options.dataDir, 'blobs') });
}
