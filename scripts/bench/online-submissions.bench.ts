/**
 * Online submissions (issue 18 item 7): `POST /v1/public/dossiers` with two 1 MB files each,
 * beside the floor (online-submissions-floor.ts: a bare `@fastify/multipart` route streaming the
 * same bodies to disk), both in processes of their own, in the same run: at least 0.3 of the
 * floor's rate. Then 100 concurrent 10 MB submissions: the hub's resident memory (sampled from
 * /proc every 20 ms) may rise by less than 200 MB over its level before them.
 */
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT, startServer, type StartedServer } from '@lienthong/testing';
import { atLeast, round } from './types.js';
import type { BenchContext, BenchReport, Target } from './types.js';

const ADMIN = 'bench-admin-token-0123456789abcdef';
const AGENCY = '000.00.31.H40';
const CODE = '1.001193';
const BOUNDARY = 'lienthongbenchboundary7MA4YWxkTrZu0gW';
const MB = 1024 * 1024;

/** A PDF of `size` bytes whose padding starts with `nonce`, so no two files share a hash (the blob store dedupes). */
function pdf(size: number, nonce: string): Buffer {
  const head = Buffer.from(`%PDF-1.4\n% ${nonce}\n1 0 obj << /Type /Catalog >> endobj\n`, 'latin1');
  const tail = Buffer.from('\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
  return Buffer.concat([head, Buffer.alloc(size - head.length - tail.length, 0x20), tail]);
}
const application = JSON.stringify({
  procedureCode: CODE,
  agencyId: AGENCY,
  applicant: { name: 'Nguyễn Văn An' },
  form: { hoTen: 'Nguyễn Văn Bình' },
});
const partHead = (name: string, filename?: string) =>
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"\r\nContent-Type: application/pdf` : ''}\r\n\r\n`,
  );
const CLOSE = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
const CRLF = Buffer.from('\r\n');

let counter = 0;
/** One submission: the application, then two 1 MB files, each unique. */
function smallBody(): Buffer {
  const n = `${process.pid}-${counter++}`;
  return Buffer.concat([
    partHead('application'),
    Buffer.from(application),
    CRLF,
    partHead('GiayChungSinh', 'a.pdf'),
    pdf(MB, `${n}-a`),
    CRLF,
    partHead('ToKhai', 'b.pdf'),
    pdf(MB, `${n}-b`),
    CLOSE,
  ]);
}

/** POSTs `body` (a buffer, or chunks written as the socket drains); resolves with the status. */
function post(url: string, body: Buffer | (() => AsyncIterable<Buffer>), length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(length) } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    if (Buffer.isBuffer(body)) req.end(body);
    else
      void (async () => {
        for await (const chunk of body()) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        req.end();
      })().catch(reject);
  });
}

/** Submissions per second at `concurrency` for `ms`, counting the answers with `expected` status. */
async function rate(url: string, concurrency: number, ms: number, expected: number): Promise<{ perSecond: number; failed: number }> {
  const end = performance.now() + ms;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const body = smallBody();
        const status = await post(url, body, body.length);
        if (status === expected) ok++;
        else failed++;
      }
    }),
  );
  return { perSecond: ok / ((performance.now() - started) / 1000), failed };
}

async function seed(base: string, log: (m: string) => void): Promise<void> {
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  };
  await call('POST', '/v1/admin/agencies', { organId: AGENCY, name: 'UBND phường Lộc Thọ', level: 'commune' });
  await call('PUT', `/v1/catalog/procedures/${CODE}`, {
    name: 'Đăng ký khai sinh',
    field: 'Hộ tịch',
    agencyLevels: ['commune'],
    processingDays: 3,
    components: [
      { name: 'GiayChungSinh', required: true, mediaTypes: ['application/pdf'], maxSizeMb: 10 },
      { name: 'ToKhai', mediaTypes: ['application/pdf'], maxSizeMb: 10 },
    ],
    onlineLevel: 'full',
    effectiveFrom: '2020-01-01',
    form: { type: 'object', required: ['hoTen'], properties: { hoTen: { type: 'string', minLength: 2, maxLength: 100 } } },
  });
  // the dossiers' catalog replica follows over the bus: submit until it knows the procedure
  for (let i = 0; ; i++) {
    const body = smallBody();
    const status = await post(`${base}/v1/public/dossiers`, body, body.length);
    if (status === 201) return;
    if (i > 200) throw new Error(`the hub refuses submissions: ${status}`);
    if (i % 20 === 0) log(`waiting for the catalog replica (${status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** 100 concurrent submissions of one ~10 MB file each, streamed; the hub's RSS sampled meanwhile. */
async function memory(hub: StartedServer, count: number, log: (m: string) => void) {
  const size = 10 * MB - 64 * 1024; // under the 10 MB per-file limit
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const bodyOf = (n: number) => {
    const head = Buffer.concat([partHead('application'), Buffer.from(application), CRLF, partHead('GiayChungSinh', 'big.pdf')]);
    const fileHead = Buffer.from(`%PDF-1.4\n% big-${process.pid}-${n}\n`, 'latin1');
    const fileTail = Buffer.from('\n%%EOF\n', 'latin1');
    const fill = size - fileHead.length - fileTail.length;
    const length = head.length + size + CLOSE.length;
    return {
      length,
      chunks: async function* (this: void) {
        yield head;
        yield fileHead;
        for (let left = fill; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
        yield fileTail;
        yield CLOSE;
      },
    };
  };
  await new Promise((r) => setTimeout(r, 1000));
  const before = hub.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, hub.rss())), 20);
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: count }, (_, n) => {
      const b = bodyOf(n);
      return post(`${hub.url}/v1/public/dossiers`, b.chunks, b.length);
    }),
  );
  clearInterval(sampler);
  peak = Math.max(peak, hub.rss());
  const seconds = (performance.now() - started) / 1000;
  const accepted = statuses.filter((s) => s === 201).length;
  log(
    `${count} × 10 MB: ${accepted} accepted in ${seconds.toFixed(1)} s; RSS ${(before / MB).toFixed(0)} → peak ${(peak / MB).toFixed(0)} MB`,
  );
  return { riseMb: (peak - before) / MB, beforeMb: before / MB, peakMb: peak / MB, accepted, seconds };
}

export default async function onlineSubmissionsBench({ tmpDir, log, quick }: BenchContext): Promise<BenchReport> {
  const env = { LT_LOG_LEVEL: 'info', LT_PORT: '0', LT_HOST: '127.0.0.1' };
  const concurrency = 8;
  const ms = quick ? 3_000 : 15_000;
  const floor = await startServer(['--import', 'tsx', join(REPO_ROOT, 'scripts/bench/online-submissions-floor.ts')], {
    ...env,
    LT_DATA_DIR: join(tmpDir, 'floor'),
  });
  const hub = await startServer(['--import', 'tsx', join(REPO_ROOT, 'scripts/bench/online-submissions-hub.ts')], {
    ...env,
    LT_DATA_DIR: join(tmpDir, 'hub'),
    LT_ADMIN_TOKEN: ADMIN,
  });
  try {
    await seed(hub.url, log);
    // a warm-up of each, then the measured runs, the floor first
    await rate(`${floor.url}/upload`, concurrency, 1000, 201);
    await rate(`${hub.url}/v1/public/dossiers`, concurrency, 1000, 201);
    const bare = await rate(`${floor.url}/upload`, concurrency, ms, 201);
    log(`floor: ${bare.perSecond.toFixed(1)} submissions/s`);
    const ours = await rate(`${hub.url}/v1/public/dossiers`, concurrency, ms, 201);
    log(`hub: ${ours.perSecond.toFixed(1)} submissions/s (${ours.failed} refused)`);
    await floor.stop();
    const mem = await memory(hub, 100, log);
    const ratio = ours.perSecond / bare.perSecond;
    const targets: Target[] = [
      atLeast('online submissions (2 × 1 MB) at least 0.3 of a bare @fastify/multipart route (ratio)', 0.3, ratio),
      { name: 'every one of 100 concurrent 10 MB submissions accepted', target: 100, actual: mem.accepted, met: mem.accepted === 100 },
      {
        name: "100 concurrent 10 MB submissions raise the hub's RSS by less than (MB)",
        target: 200,
        actual: round(mem.riseMb, 1),
        met: mem.riseMb < 200,
      },
    ];
    return {
      name: 'online-submissions',
      metrics: {
        submissionsPerSecond: { value: round(ours.perSecond, 1), unit: 'submissions/s' },
        refused: { value: ours.failed, unit: 'requests' },
        'rss.before10MB': { value: round(mem.beforeMb, 1), unit: 'MB' },
        'rss.peak10MB': { value: round(mem.peakMb, 1), unit: 'MB' },
        'rss.rise10MB': { value: round(mem.riseMb, 1), unit: 'MB' },
        'seconds.100x10MB': { value: round(mem.seconds, 1), unit: 's' },
      },
      baseline: { bareMultipartPerSecond: { value: round(bare.perSecond, 1), unit: 'submissions/s' } },
      ratios: { 'submissions/bareMultipart': round(ratio, 3) },
      targets,
      notes: [
        `${concurrency} concurrent clients for ${ms / 1000} s each, after a 1 s warm-up; every file unique (the blob store dedupes by hash)`,
        'hub: directory, catalog and dossiers in one process through tsx (online-submissions-hub.ts), rate limits lifted; SQLite store, in-process bus',
        'floor: online-submissions-floor.ts, a bare Fastify + @fastify/multipart route piping each file part to a file, through tsx too',
        'memory: 100 submissions of one 10 MB PDF each, streamed by the client at once; RSS read from /proc every 20 ms, rise = peak − level 1 s before',
      ],
    };
  } finally {
    await floor.stop().catch(() => {});
    await hub.stop();
  }
}
