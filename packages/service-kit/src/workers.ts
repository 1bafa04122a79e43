import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';

/**
 * The export condition under which workspace packages resolve to their compiled `dist/*.js`
 * (`node --conditions=lienthong-compiled`); without it they resolve to their TypeScript sources.
 */
export const COMPILED_CONDITION = 'lienthong-compiled';

/** This module runs compiled (from dist/) exactly when the whole process does. */
const compiled = !import.meta.url.endsWith('.ts');

/** Starts TypeScript entries in a thread or process of their own (they lack the parent's tsx hooks). */
const TS_ENTRY = new URL('./entry.mjs', import.meta.url);

/**
 * An entry is named by its source (`new URL('./x.ts', import.meta.url)`); from compiled code that
 * URL points into dist/, where the module is the emitted `x.js`.
 */
function compiledEntry(entry: URL): URL {
  return new URL(entry.href.replace(/\.ts$/, '.js'));
}

/**
 * Starts a worker thread running the module `entry` (a file URL, written as the `.ts` source), with
 * `data` as its `workerData.data`. One way to start workers, so that each needs no loader set-up of
 * its own: from sources the worker registers tsx first; from compiled code it runs the emitted
 * `.js` directly (it inherits the parent's flags, so its imports resolve to compiled code too).
 */
export function startWorker(entry: URL, data?: unknown): Worker {
  if (compiled) return new Worker(compiledEntry(entry), { workerData: { entry: compiledEntry(entry).href, data } });
  return new Worker(TS_ENTRY, { workerData: { entry: entry.href, data } });
}

/**
 * Forks a child process running the module `entry` (a file URL, written as the `.ts` source), with
 * `data` as JSON in its `process.argv[3]`, an IPC channel (which can carry sockets) and the
 * parent's stdout and stderr. The parent's own Node flags are not passed on: from sources the
 * child registers tsx itself; from compiled code it gets only the compiled condition.
 */
export function startProcess(entry: URL, data?: unknown): ChildProcess {
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  if (compiled) {
    const url = compiledEntry(entry);
    return fork(url, [url.href, JSON.stringify(data ?? null)], { execArgv: [`--conditions=${COMPILED_CONDITION}`], stdio });
  }
  return fork(TS_ENTRY, [entry.href, JSON.stringify(data ?? null)], { execArgv: [], stdio });
}
