/**
 * The online-submission benchmark's floor: a bare Fastify app with one `@fastify/multipart` route
 * that streams every file part of a request to a file on disk and answers 201, nothing else (no
 * JSON parsing, no sniffing, no hashing, no events). Started as a process of its own, as the hub is.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
// The root's own devDependency, at the dossiers service's version range: pnpm links the same copy the hub runs.
import multipart from '@fastify/multipart';
import Fastify from 'fastify';

const dir = process.env.LT_DATA_DIR ?? '.';
mkdirSync(dir, { recursive: true });
const app = Fastify({ logger: { level: 'info' }, bodyLimit: 100 * 1024 * 1024 });
await app.register(multipart, { limits: { fileSize: 11 * 1024 * 1024, files: 20 } });
let n = 0;
app.get('/health/ready', async () => ({ status: 'ready' }));
app.post('/upload', async (request, reply) => {
  for await (const part of request.parts()) if (part.type === 'file') await pipeline(part.file, createWriteStream(join(dir, `f${n++}`)));
  return reply.code(201).send({ ok: true });
});
await app.listen({ port: Number(process.env.LT_PORT ?? 0), host: process.env.LT_HOST ?? '127.0.0.1' });
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
