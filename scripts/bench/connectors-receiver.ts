/**
 * Child process of `connectors.bench.ts`: the receiver every delivery goes to, on loopback, in a
 * process of its own (a receiver is another machine). It answers 200 `{}` to every POST, counts
 * the distinct ids it received (`webhook-id`, or the bare loop's `x-bench-id`) and, for bodies
 * whose `data.sentAt` is set, the lag from that time to arrival.
 * Parent → child: {type:'reset'}, {type:'stats'}, {type:'expect', count}; child → parent:
 * {type:'listening', port}, {type:'stats' | 'reached', distinct, requests, lags (ms, ascending),
 * firstAt, lastAt} ('reached' as soon as `count` distinct ids arrived).
 */
import { createServer } from 'node:http';

const seen = new Set<string>();
let requests = 0;
let lags: number[] = [];
/** Arrival times (ms) of the first and the latest new id since the last reset. */
let firstAt = 0;
let lastAt = 0;
/** `{type:'expect', count}`: answered with the stats once `count` distinct ids have arrived (no polling). */
let expected: number | null = null;
const report = (type: string) =>
  process.send!({ type, distinct: seen.size, requests, lags: [...lags].sort((a, b) => a - b), firstAt, lastAt });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const arrived = Date.now();
    requests++;
    const id = String(req.headers['webhook-id'] ?? req.headers['x-bench-id'] ?? '');
    if (!seen.has(id)) {
      seen.add(id);
      if (seen.size === 1) firstAt = arrived;
      lastAt = arrived;
      if (expected !== null && seen.size >= expected) {
        expected = null;
        report('reached');
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { sentAt?: number } };
      if (typeof body.data?.sentAt === 'number') lags.push(arrived - body.data.sentAt);
    }
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (m: { type: string; count?: number }) => {
  if (m.type === 'reset') {
    seen.clear();
    requests = 0;
    lags = [];
    firstAt = lastAt = 0;
    expected = null;
    process.send!({ type: 'reset' });
  } else if (m.type === 'stats') {
    report('stats');
  } else if (m.type === 'expect') {
    if (seen.size >= m.count!) report('reached');
    else expected = m.count!;
  }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send!({ type: 'listening', port: (server.address() as { port: number }).port }));
