/**
 * Documents routed end to end over loopback HTTP: an 8 KB edXML package (one attachment, unique
 * per document) sent to two recipients, each delivery pushed over a WebSocket and acked on it.
 * 1. throughput: autocannon at full speed; a document counts once both of its acks are recorded;
 * 2. latency: autocannon at a fixed 500 documents/s, p99 of the submit (POST → 202);
 * beside a bare Fastify route (parse-free 202) driven the same way in the same run.
 * `BENCH_SYNC=normal` runs the store at synchronous=NORMAL; `BENCH_SAME_ATTACHMENT=1` sends one
 * attachment content for every document (stored once), to see the cost of the blob writes.
 */
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { createLogger, loadConfig } from '../../packages/service-kit/src/index.js';
import { directoryModule, startPlatform } from '../../packages/platform/src/index.js';
import { memoryAttachmentStore, renderEdxml } from '../../packages/edxml/src/index.js';
import { documentRoutingModule } from '../../services/document-routing/src/index.js';
import { atLeast, round } from './types.js';
import type { BenchContext, BenchReport, Metric, Target } from './types.js';
import { profiled } from './profile.js';

const SENDER = '000.00.00.H40';
const RECIPIENTS = ['000.00.12.H40', '000.00.13.H40'];

/** An 8 KB package whose DocumentId and first attachment bytes vary per request. */
async function bodyFactory(): Promise<(i: number) => string> {
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
  const run = randomBytes(4).toString('hex');
  return (i) => {
    const id = `${run}-${i}`;
    const lead = process.env.BENCH_SAME_ATTACHMENT === '1' ? blank : Buffer.from(id.padEnd(12).slice(0, 12)).toString('base64');
    return `${head!.replace('BENCHDOCID', id)}<edXML:ContentTransferEncoded>${lead}${tail}`;
  };
}

function fire(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** A recipient system that acks every delivery over its stream, and records when. */
async function ackingClient(url: string, authorization: string, acked: Map<string, number>) {
  const socket = new WebSocket(url, { headers: { authorization } });
  socket.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as { type: string; delivery?: { deliveryId: string; documentId: string } };
    if (m.type === 'delivery' && m.delivery) {
      socket.send(JSON.stringify({ type: 'ack', deliveryId: m.delivery.deliveryId }));
      acked.set(m.delivery.documentId, (acked.get(m.delivery.documentId) ?? 0) + 1);
    }
  });
  await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
  return socket;
}

export default async function documentsBench(ctx: BenchContext): Promise<BenchReport> {
  const seconds = ctx.quick ? 3 : 10;
  const config = loadConfig({ LT_DATA_DIR: ctx.tmpDir, LT_ADMIN_TOKEN: 'bench-admin-token-0123456789', LT_PORT: '0', LT_SQLITE_SYNC: process.env.BENCH_SYNC ?? 'full' });
  const hub = await startPlatform(config, [directoryModule, documentRoutingModule], { title: 'bench', logger: createLogger({ level: 'silent' }) });
  const admin = { authorization: `Bearer ${hub.adminToken}` };
  const post = async (url: string, payload: object) => (await hub.app.inject({ method: 'POST', url, headers: admin, payload })).json() as { token: string };
  for (const id of [SENDER, ...RECIPIENTS]) await post('/v1/admin/agencies', { organId: id, name: `Cơ quan ${id}` });
  const senderToken = (await post('/v1/admin/systems', { name: 'sender', vendor: 'bench', organIds: [SENDER] })).token;
  const tokens = await Promise.all(RECIPIENTS.map(async (r) => (await post('/v1/admin/systems', { name: r, vendor: 'bench', organIds: [r] })).token));
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const acked = new Map<string, number>();
  const sockets = await Promise.all(tokens.map((tk) => ackingClient(`${address.replace(/^http/, 'ws')}/v1/stream`, `Bearer ${tk}`, acked)));
  const makeBody = await bodyFactory();
  let n = 0;
  const request = {
    method: 'POST' as const,
    path: '/v1/documents',
    headers: { authorization: `Bearer ${senderToken}`, 'content-type': 'application/xml' },
    setupRequest: (req: autocannon.Request) => ({ ...req, body: makeBody(n++) }),
  };
  const bodyBytes = Buffer.byteLength(makeBody(0));
  ctx.log(`package ${bodyBytes} bytes; hub at ${address}`);

  try {
    // 1. throughput, end to end
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const done = () => [...acked.values()].filter((v) => v >= 2).length;
    const full = await profiled('documents-throughput', async () => {
      const result = await fire({ url: address, connections: 32, duration: seconds, requests: [request] });
      const deadline = performance.now() + 20_000;
      while (done() < result['2xx'] && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return result;
    });
    const submitted = full['2xx'];
    const routed = done();
    const e2eSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuMsPerDocument = (cpu.user + cpu.system) / 1000 / Math.max(1, routed);
    ctx.log(`throughput: ${submitted} accepted, ${routed} acked by both in ${e2eSeconds.toFixed(1)} s (non-2xx ${full.non2xx}, errors ${full.errors}); CPU ${cpuMsPerDocument.toFixed(2)} ms/document`);

    // 2. latency at 500 documents/s
    const paced = await profiled('documents-paced', () => fire({ url: address, connections: 50, duration: seconds, overallRate: 500, requests: [request] }));
    ctx.log(`at 500/s: p99 ${paced.latency.p99} ms, ${paced['2xx']} accepted`);

    // 3. the bare route, same client, same run
    const bare = Fastify({ bodyLimit: 100 * 1024 * 1024 });
    bare.addContentTypeParser('application/xml', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    bare.post('/v1/documents', async (_req, reply) => reply.code(202).send({ documentId: 'x', recipients: [] }));
    const bareAddress = await bare.listen({ port: 0, host: '127.0.0.1' });
    const bareFull = await fire({ url: bareAddress, connections: 32, duration: seconds, requests: [{ ...request }] });
    const barePaced = await fire({ url: bareAddress, connections: 50, duration: seconds, overallRate: 500, requests: [{ ...request }] });
    await bare.close();

    const metrics: Record<string, Metric> = {
      routedPerSecond: { value: round(routed / e2eSeconds, 1), unit: 'documents/s (both deliveries acked over WebSocket)' },
      acceptedPerSecond: { value: round(submitted / seconds, 1), unit: 'documents/s (202)' },
      cpuPerDocument: { value: round(cpuMsPerDocument, 2), unit: 'ms of process CPU (all threads, load client included) per routed document' },
      submitP99At500: { value: paced.latency.p99, unit: 'ms' },
      submitP50At500: { value: paced.latency.p50, unit: 'ms' },
    };
    const baseline: Record<string, Metric> = {
      bareRoutePerSecond: { value: round(bareFull['2xx'] / seconds, 1), unit: 'requests/s' },
      bareP99At500: { value: barePaced.latency.p99, unit: 'ms' },
    };
    const p99: Target = { name: 'p99 submit latency at 500 documents/s, ms (below)', target: 50, actual: paced.latency.p99, met: paced.latency.p99 < 50 };
    const targets: Target[] = [atLeast('documents routed end to end per second', 1000, metrics.routedPerSecond!.value), p99];
    return {
      name: 'documents',
      metrics,
      baseline,
      ratios: { routedPerSecond_over_bareRoutePerSecond: round(metrics.routedPerSecond!.value / baseline.bareRoutePerSecond!.value) },
      targets,
      notes: [
        `${bodyBytes}-byte edXML, 2 recipients, attachment ${process.env.BENCH_SAME_ATTACHMENT === '1' ? 'shared by every document' : 'unique per document (one fsynced blob write each)'}; SQLite store at synchronous=${config.sqliteSync.toUpperCase()}; autocannon and the hub share this process`,
        `throughput: 32 connections for ${seconds} s, then until every accepted document is acked by both recipients (${routed}/${submitted})`,
        `latency: 50 connections paced at 500 requests/s for ${seconds} s`,
      ],
    };
  } finally {
    for (const s of sockets) s.close();
    await hub.close();
  }
}
