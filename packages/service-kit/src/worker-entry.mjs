// Entry of every worker thread: TypeScript sources run through tsx in the main thread (`node
// --import tsx`), but a worker starts without the parent's loader hooks, so it registers them
// before importing its real entry (`workerData.entry`, a file URL).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
