import { join } from 'node:path';
import { createFsBlobStore } from './fs-blob-store.js';
import type { BlobStore } from './types.js';

export interface OpenBlobStoreOptions {
  /** `LT_NATS_URL`'s servers: when given, blobs go to the NATS Object Store bucket `LT_BLOBS`. */
  readonly natsServers?: readonly string[] | undefined;
  /** `LT_NATS_REPLICAS`: copies of `LT_BLOBS` in the NATS cluster. */
  readonly natsReplicas?: number | undefined;
  /** `LT_DATA_DIR`: holds `blobs/` (directory store) or `blob-spool/` (NATS spool files). */
  readonly dataDir: string;
}

/**
 * The configured blob store: NATS Object Store when NATS servers are given, else `<dataDir>/blobs`.
 * The NATS client is imported only then: a hub without NATS starts without loading it.
 */
export async function openBlobStore(options: OpenBlobStoreOptions): Promise<BlobStore> {
  if (options.natsServers && options.natsServers.length > 0) {
    const replicas = options.natsReplicas !== undefined ? { replicas: options.natsReplicas } : {};
    const { createNatsBlobStore } = await import('./nats-blob-store.js');
    return createNatsBlobStore({ servers: options.natsServers, spoolDir: join(options.dataDir, 'blob-spool'), ...replicas });
  }
  return createFsBlobStore({ dir: join(options.dataDir, 'blobs') });
}
