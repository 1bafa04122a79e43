/**
 * A parse worker thread (see xml-parser.ts): parses edXML bodies, storing attachments in the blob
 * store. It imports the edXML reader, the blob store and the protocol only (each thread loads its
 * own copy of every module it imports: not the HTTP kit, not the service).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openBlobStore, type OpenBlobStoreOptions } from '@lienthong/blob-store';
import { blobSink } from '../attachments.js';
import { parseAndVerify } from './parse-and-verify.js';
import { serializeError, type FromWorker, type ToWorker } from './worker-protocol.js';

const port = parentPort!;
const { data } = workerData as { data: OpenBlobStoreOptions };
const blobs = await openBlobStore(data);
const sink = blobSink(blobs);
/** Jobs waiting for the main thread's answer about their sender. */
const gates = new Map<number, (ok: boolean) => void>();
const send = (message: FromWorker) => port.postMessage(message);

class SenderRefused extends Error {}

async function parse(job: Extract<ToWorker, { type: 'parse' }>): Promise<void> {
  try {
    const beforeAttachments = job.gated
      ? (sender: string | null) =>
          new Promise<void>((resolve, reject) => {
            gates.set(job.id, (ok) => (ok ? resolve() : reject(new SenderRefused('sender refused'))));
            send({ type: 'sender', id: job.id, sender });
          })
      : undefined;
    // read whole: parsed and hashed as it is, not passed through a stream
    const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
    const { message, digest, verification } = await parseAndVerify(body, {
      attachments: sink,
      maxBytes: job.maxBytes,
      keepUpTo: job.keepUpTo,
      verify: job.verify,
      ...(beforeAttachments ? { beforeAttachments } : {}),
    });
    // Verified here: the bytes kept for it stay here (the event loop would only copy them).
    const answer = job.verify ? { ...digest, raw: null } : digest;
    send({ type: 'done', id: job.id, message, digest: answer, ...(verification ? { verification } : {}) });
  } catch (error) {
    send({ type: 'failed', id: job.id, error: serializeError(error) });
  } finally {
    gates.delete(job.id);
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'parse') void parse(message);
  else if (message.type === 'gate') gates.get(message.id)?.(message.ok);
  else if (message.type === 'close')
    // The pool waits for this thread to exit; closing the port lets it.
    void blobs.close().finally(() => port.close());
});
send({ type: 'ready' });
