import { Worker } from 'node:worker_threads';

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

/**
 * Starts a worker thread running the TypeScript module `entry` (a file URL), with `data` as its
 * `workerData.data`. One way to start workers, so that each needs no loader set-up of its own.
 */
export function startWorker(entry: URL, data?: unknown): Worker {
  return new Worker(ENTRY, { workerData: { entry: entry.href, data } });
}
