import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';

const ENTRY = new URL('./entry.mjs', import.meta.url);

/**
 * Starts a worker thread running the TypeScript module `entry` (a file URL), with `data` as its
 * `workerData.data`. One way to start workers, so that each needs no loader set-up of its own.
 */
export function startWorker(entry: URL, data?: unknown): Worker {
  return new Worker(ENTRY, { workerData: { entry: entry.href, data } });
}

/**
 * Forks a child process running the TypeScript module `entry` (a file URL), with `data` as JSON
 * in its `process.argv[3]`, an IPC channel (which can carry sockets) and the parent's stdout and
 * stderr. The parent's own Node flags are not passed on (the child registers tsx itself).
 */
export function startProcess(entry: URL, data?: unknown): ChildProcess {
  return fork(ENTRY, [entry.href, JSON.stringify(data ?? null)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
