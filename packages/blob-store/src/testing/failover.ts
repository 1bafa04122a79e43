import { BlobStoreUnavailableError } from '../errors.js';
import type { BlobStore, PutResult } from '../types.js';
import { readAll } from './contract.js';

/** Runs `attempt` again while the store answers unavailable, for at most `withinMs` (a client retrying a 503, bounded). */
async function throughFailover<T>(attempt: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof BlobStoreUnavailableError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Puts, retrying an unavailable store for at most `withinMs`. */
export const putThroughFailover = (store: BlobStore, bytes: Buffer, withinMs = 20_000): Promise<PutResult> =>
  throughFailover(() => store.put(bytes), withinMs);

/** Reads a blob whole, retrying an unavailable store for at most `withinMs`. */
export const getThroughFailover = (store: BlobStore, sha256: string, withinMs = 20_000): Promise<Buffer> =>
  throughFailover(async () => readAll(await store.get(sha256)), withinMs);
