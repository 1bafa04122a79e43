/**
 * Child process of `documents.bench.ts`: the vendor systems. It sends the 8 KB packages with
 * autocannon and runs the two recipients' WebSocket clients, which ack every delivery, so that
 * none of the clients' work lands on the hub's process (vendor systems are other machines).
 * Parent → child: {type:'acks', url, tokens}, {type:'fire', options, authorization},
 * {type:'pace', pace, authorization}, {type:'count'};
 * child → parent: {type:'acks'}, {type:'fired', result}, {type:'paced', result}, {type:'count', done}.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { memoryAttachmentStore, renderEdxml } from '@lienthong/edxml';
import { percentile, round } from './types.js';

export const SENDER = '000.00.00.H40';
export const RECIPIENTS = ['000.00.12.H40', '000.00.13.H40'];

/** An 8 KB package whose DocumentId and first attachment bytes vary per request. */
export async function bodyFactory(): Promise<(i: number) => string> {
  const store = memoryAttachmentStore();
  // 12 leading bytes = 16 base64 characters that are replaced per document
  const content = Buffer.concat([Buffer.alloc(12, 32), randomBytes(4000)]);
  const xml = await renderEdxml(
    {
      header: {
        from: { organId: SENDER, organName: 'Ủy ban nhân dân tỉnh' },
        to: RECIPIENTS.map((organId) => ({ organId, organName: `Sở ${organId}` })),
        documentId: 'BENCHDOCID',
        code: { codeNumber: '123', codeNotation: 'UBND-VP' },
        promulgationInfo: { place: 'Hà Nội', promulgationDate: '2026-01-15' },
        documentType: { type: 1, typeName: 'Công văn' },
        subject: 'Về việc triển khai liên thông văn bản điện tử giữa các cơ quan nhà nước',
        content: 'Nội dung công văn '.repeat(10),
        signerInfo: { position: 'Chánh Văn phòng', fullName: 'Nguyễn Văn A' },
        toPlaces: ['Các sở, ban, ngành'],
        otherInfo: { priority: 0, appendixes: [] },
        responseFor: [],
      },
      traceHeaders: [{ organId: SENDER, timestamp: '2026-01-15T08:00:00+07:00' }],
      attachments: [{ contentId: 'cid:1', name: 'cong-van.pdf', contentType: 'application/pdf', ...store.put(content) }],
      variant: { namespaceStyle: 'prefixed', timestampFormat: 'yyyy/MM/dd', soapEnvelope: false },
    },
    { attachments: store },
  );
  const blank = Buffer.alloc(12, 32).toString('base64');
  const [head, tail] = xml.split(`<edXML:ContentTransferEncoded>${blank}`);
  if (tail === undefined) throw new Error('bench body template broken');
  const run = randomBytes(4);
  const runHex = run.toString('hex');
  return (i) => {
    const id = `${runHex}-${i}`;
    // 12 bytes unique per request: the run's 4, then the request's number in 8 (until 2026-12-07
    // the id's first 12 characters, the same for every request from the 1,000th on: nearly every
    // attachment after the first thousand was one the hub already had, and was not written)
    const lead = Buffer.alloc(12);
    run.copy(lead, 0);
    lead.writeBigInt64BE(BigInt(i), 4);
    const content = process.env.BENCH_SAME_ATTACHMENT === '1' ? blank : lead.toString('base64');
    return `${head!.replace('BENCHDOCID', id)}<edXML:ContentTransferEncoded>${content}${tail}`;
  };
}

/** The fields of an autocannon result the parent reads. */
export interface FireResult {
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
}

/** A constant arrival rate: one request every `1000 / rate` ms for `seconds`, whatever the answers do. */
export interface Pace {
  readonly url: string;
  readonly path: string;
  readonly rate: number;
  readonly seconds: number;
  /** Keep-alive connections at most; a request due while all are busy waits for one (and that wait counts). */
  readonly connections: number;
}

/**
 * Open-loop load (as wrk2 or k6's constant-arrival-rate): requests are due on a fixed schedule
 * and each latency runs from when it was due, so a slow answer cannot hide the requests it held
 * back (no coordinated omission). autocannon's `overallRate` is not this: each connection sends
 * its per-second quota back to back at the start of every second, a burst at full speed.
 */
async function paced(pace: Pace, headers: Record<string, string>, body: () => string): Promise<FireResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: pace.connections });
  const target = new URL(pace.path, pace.url);
  const interval = 1000 / pace.rate;
  const total = Math.round(pace.rate * pace.seconds);
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  await new Promise<void>((resolve) => {
    let sent = 0;
    let answered = 0;
    const start = performance.now() + 20;
    const settle = () => {
      if (++answered === total) resolve();
    };
    const issue = (due: number) => {
      const req = request(target, { method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            ok++;
            latencies.push(performance.now() - due);
          } else non2xx++;
          settle();
        });
      });
      req.on('error', () => {
        errors++;
        settle();
      });
      req.end(body());
    };
    const tick = () => {
      const now = performance.now();
      for (let due = start + sent * interval; sent < total && due <= now; due = start + sent * interval) {
        issue(due);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    setTimeout(tick, 20);
  });
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { ok, non2xx, errors, p50: round(percentile(latencies, 50), 1), p99: round(percentile(latencies, 99), 1) };
}

const acked = new Map<string, number>();
const sockets: WebSocket[] = [];

/** A recipient system that acks every delivery over its stream. */
async function ackingClient(url: string, authorization: string): Promise<void> {
  const socket = new WebSocket(url, { headers: { authorization } });
  socket.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as { type: string; delivery?: { deliveryId: string; documentId: string } };
    if (m.type === 'delivery' && m.delivery) {
      socket.send(JSON.stringify({ type: 'ack', deliveryId: m.delivery.deliveryId }));
      acked.set(m.delivery.documentId, (acked.get(m.delivery.documentId) ?? 0) + 1);
    }
  });
  await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
  sockets.push(socket);
}

// Only when forked as the clients (the bench imports this file for its constants and types).
if (process.env.LT_BENCH_CLIENT === '1' && process.send) {
  const makeBody = await bodyFactory();
  let n = 0;
  process.on(
    'message',
    (message: { type: string; url?: string; tokens?: string[]; options?: autocannon.Options; pace?: Pace; authorization?: string }) => {
      if (message.type === 'acks') {
        void Promise.all(message.tokens!.map((tk) => ackingClient(message.url!, `Bearer ${tk}`))).then(() =>
          process.send!({ type: 'acks' }),
        );
      } else if (message.type === 'fire') {
        const request = {
          method: 'POST' as const,
          path: '/v1/documents',
          headers: { authorization: message.authorization!, 'content-type': 'application/xml' },
          setupRequest: (req: autocannon.Request) => ({ ...req, body: makeBody(n++) }),
        };
        autocannon({ ...message.options!, requests: [request] }, (err, r) => {
          if (err) throw err;
          const result: FireResult = { ok: r['2xx'], non2xx: r.non2xx, errors: r.errors, p50: r.latency.p50, p99: r.latency.p99 };
          process.send!({ type: 'fired', result });
        });
      } else if (message.type === 'pace') {
        const headers = { authorization: message.authorization!, 'content-type': 'application/xml' };
        void paced(message.pace!, headers, () => makeBody(n++)).then((result) => process.send!({ type: 'paced', result }));
      } else if (message.type === 'count') {
        process.send!({ type: 'count', done: [...acked.values()].filter((v) => v >= RECIPIENTS.length).length });
      } else if (message.type === 'exit') {
        for (const s of sockets) s.close();
        process.exit(0);
      }
    },
  );
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', bodyBytes: Buffer.byteLength(makeBody(-1)) });
}
