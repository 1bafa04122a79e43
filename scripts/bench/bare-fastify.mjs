// The startup benchmark's baseline: a bare Fastify app started the way the compiled hub is
// (`node <file>.js`, no loader), with the hub's logger settings and a /health/ready route.
import Fastify from 'fastify';

const app = Fastify({ logger: { level: 'info' } });
app.get('/health/ready', async () => ({ status: 'ready' }));
await app.listen({ port: Number(process.env.LT_PORT ?? 0), host: process.env.LT_HOST ?? '127.0.0.1' });
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
