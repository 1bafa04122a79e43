// Entry of every worker thread and child process the services start: TypeScript sources run
// through tsx in the main thread (`node --import tsx`), but a worker or a forked process starts
// without the parent's loader hooks, so it registers them before importing its real entry (a
// file URL: `workerData.entry` in a worker, the first argument in a child process).
import { isMainThread, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(isMainThread ? process.argv[2] : workerData.entry);
