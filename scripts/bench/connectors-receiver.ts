/**
 * Child process of `connectors.bench.ts`: the receiver every delivery goes to, on loopback, in a
 * process of its own (a receiver is another machine). It answers 200 `{}` to every POST, counts
 * the distinct ids it received (`webhook-id`, or the bare loop's `x-bench-id`) and, for bodies
 * whose `data.sentAt` is set, the lag from that time to arrival.
 * Parent → child: {type:'reset'}, {type:'stats'}; child → parent: {type:'listening', port},
 * {type:'stats', distinct, requests, lags (ms, ascending)}.
 */
import { createServer } from 'node:http';

const seen = new Set<string>();
let requests = 0;
let lags: number[] = [];

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const arrived = Date.now();
    requests++;
    const id = String(req.headers['webhook-id'] ?? req.headers['x-bench-id'] ?? '');
    if (!seen.has(id)) {
      seen.add(id);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { sentAt?: number } };
      if (typeof body.data?.sentAt === 'number') lags.push(arrived - body.data.sentAt);
    }
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (m: { type: string }) => {
  if (m.type === 'reset') {
    seen.clear();
    requests = 0;
    lags = [];
    process.send!({ type: 'reset' });
  } else if (m.type === 'stats') {
    process.send!({ type: 'stats', distinct: seen.size, requests, lags: [...lags].sort((a, b) => a - b) });
  }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send!({ type: 'listening', port: (server.address() as { port: number }).port }));
