/**
 * The floor pipeline of the documents bench: what any implementation of the routing contract
 * must do at least for one document, written plainly with the hub's libraries and none of its
 * code. A Fastify route takes the edXML, reads it with the same reader (`@lienthong/edxml`, on
 * the event loop) while its attachment is hashed and written to a file that is fsynced, inserts
 * one row per event the hub writes for a document (the submission with its deliveries; one ack
 * per recipient) into SQLite in WAL at the same synchronous level, in group commits (every row
 * queued during one turn of the event loop commits in one transaction), answers 202 once its
 * row is committed, and pushes the delivery to each recipient's WebSocket (ws); an ack is a row
 * insert in the same group commits, answered `{type:'acked'}`. No read models, no bus, no
 * idempotency, no checks beyond a bearer token: the cost of parsing, storing durably and
 * delivering twice, and nothing else.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseEdxml, type AttachmentSink } from '@lienthong/edxml';

export interface Floor {
  readonly address: string;
  /** Bearer tokens of the recipients' sockets, in the order of `recipients`. */
  readonly tokens: string[];
  close(): Promise<void>;
}

export async function startFloor(options: {
  dir: string;
  sync: 'full' | 'normal';
  senderAuthorization: string;
  recipients: readonly string[];
}): Promise<Floor> {
  const blobDir = join(options.dir, 'blobs');
  mkdirSync(blobDir, { recursive: true });
  const db = new Database(join(options.dir, 'floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.sync === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL)');
  const insert = db.prepare<[string, string, string]>('INSERT INTO events (stream, type, data) VALUES (?, ?, ?)');

  // group commit: rows queued in one turn of the event loop commit together
  let queue: { row: [string, string, string]; done: (error?: unknown) => void }[] = [];
  const commitAll = db.transaction((rows: (typeof queue)[number][]) => {
    for (const r of rows) insert.run(...r.row);
  });
  const flush = () => {
    if (!db.open) return;
    const batch = queue;
    queue = [];
    try {
      commitAll(batch);
      for (const b of batch) b.done();
    } catch (error) {
      for (const b of batch) b.done(error);
    }
  };
  const append = (stream: string, type: string, data: unknown) =>
    new Promise<void>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ row: [stream, type, JSON.stringify(data)], done: (e) => (e === undefined ? resolve() : reject(e as Error)) });
    });

  // attachments: hashed while read, written to a file named by the hash, fsynced
  const sink: AttachmentSink = {
    begin() {
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      return {
        write(chunk) {
          hash.update(chunk);
          chunks.push(chunk);
        },
        async end() {
          const sha256 = hash.digest('hex');
          const bytes = Buffer.concat(chunks);
          const file = await open(join(blobDir, sha256), 'w');
          try {
            await file.write(bytes);
            await file.sync();
          } finally {
            await file.close();
          }
          return { sha256, size: bytes.length };
        },
      };
    },
  };

  const sockets = new Map<string, WebSocket>();
  const tokens = options.recipients.map((r) => `floor-${r}`);
  const app = Fastify({ bodyLimit: 100 * 1024 * 1024 });
  app.addContentTypeParser('application/xml', (_req, payload, done) => done(null, payload));
  app.post('/v1/documents', async (req, reply) => {
    if (req.headers.authorization !== options.senderAuthorization) return reply.code(401).send();
    const message = await parseEdxml(req.body as Readable, { attachments: sink });
    if (message.kind !== 'document') return reply.code(400).send();
    const documentId = randomUUID();
    const recipients = message.document.header.to.map((t) => ({ organId: t.organId, deliveryId: randomUUID() }));
    await append(`document-${documentId}`, 'DocumentSubmitted', { documentId, document: message.document, recipients });
    const createdAt = new Date().toISOString();
    for (const r of recipients) {
      const delivery = {
        deliveryId: r.deliveryId,
        kind: 'document',
        documentId,
        from: message.document.header.from.organId,
        to: r.organId,
        subject: message.document.header.subject,
        createdAt,
        contentUrl: `/v1/deliveries/${r.deliveryId}/content`,
      };
      sockets.get(r.organId)?.send(JSON.stringify({ type: 'delivery', delivery }));
    }
    return reply.code(202).send({ documentId, recipients });
  });

  const wss = new WebSocketServer({ noServer: true });
  app.server.on('upgrade', (request, socket, head) => {
    const organId = options.recipients[tokens.indexOf((request.headers.authorization ?? '').replace(/^Bearer /, ''))];
    if (organId === undefined) return socket.destroy();
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.set(organId, ws);
      ws.on('message', (raw) => {
        const { deliveryId } = JSON.parse(String(raw)) as { deliveryId: string };
        void append(`delivery-${deliveryId}`, 'DeliveryAcknowledged', { deliveryId, organId }).then(() =>
          ws.send(JSON.stringify({ type: 'acked', deliveryId })),
        );
      });
    });
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    address,
    tokens,
    close: async () => {
      for (const ws of sockets.values()) ws.terminate();
      wss.close();
      await app.close();
      flush(); // acks that came in last
      db.close();
    },
  };
}
