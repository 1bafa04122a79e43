#!/usr/bin/env node
/**
 * Two provinces and the national axis on one machine (SPEC §6), Node only:
 * `pnpm federation-demo` (builds, then runs this). Starts three production hubs on loopback
 * (province A :8181, the axis :8182, province B :8183; `LT_DEMO_PORT` moves the first), registers
 * them as each other's peers as their admins would, registers a VNPT system in A and a Viettel
 * system in B, sends a document from A to B, answers it with status 03 from B, and prints what
 * each side sees. The hubs keep running (data under `./data/federation-demo`) until Ctrl-C;
 * `--exit` stops them at the end.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataRoot = resolve(process.env.LT_DEMO_DIR ?? join(root, 'data', 'federation-demo'));
const base = Number(process.env.LT_DEMO_PORT ?? 8181);
const ADMIN_TOKEN = 'federation-demo-admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const hubs = [
  { name: 'province A (Khánh Hòa)', organId: '000.00.00.H40', port: base },
  { name: 'national axis', organId: '000.00.00.G01', port: base + 1 },
  { name: 'province B (Lâm Đồng)', organId: '000.00.00.H42', port: base + 2 },
];
const [A, AXIS, B] = hubs;
const children = [];

function start(hub) {
  const dir = join(dataRoot, hub.organId);
  mkdirSync(dir, { recursive: true });
  const log = openSync(join(dir, 'hub.log'), 'a');
  const child = spawn(process.execPath, ['--conditions=lienthong-compiled', join(root, 'services/hub/dist/bundle/main.js')], {
    env: {
      ...process.env,
      LT_PORT: String(hub.port),
      LT_DATA_DIR: dir,
      LT_HUB_ORGAN_ID: hub.organId,
      LT_ADMIN_TOKEN: ADMIN_TOKEN,
      LT_LOG_LEVEL: process.env.LT_LOG_LEVEL ?? 'info',
    },
    stdio: ['ignore', log, log],
  });
  children.push(child);
  hub.url = `http://127.0.0.1:${hub.port}`;
  console.log(`${hub.name}: ${hub.url} (organ id ${hub.organId}, log ${join(dir, 'hub.log')})`);
}

async function ready(hub) {
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`${hub.url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${hub.name} is not ready after 60 s: see its log`);
}

async function call(hub, method, path, body, auth = admin) {
  const res = await fetch(`${hub.url}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 409) throw new Error(`${method} ${hub.url}${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const until = async (what, check) => {
  for (let i = 0; i < 300; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

async function peer(at, peerId, of, routes, kind = 'hub') {
  const identity = await call(of, 'GET', '/v1/federation/identity');
  await call(at, 'POST', '/v1/admin/peers', {
    peerId,
    name: of.name,
    baseUrl: of.url,
    keyId: identity.keyId,
    publicKey: identity.publicKey,
    routes,
    kind,
  });
  console.log(`  ${at.name} → peer ${peerId} (${routes.join(', ')})`);
}

async function main() {
  // 1. three hubs
  for (const hub of hubs) start(hub);
  await Promise.all(hubs.map(ready));
  // 2. peers: each province's default route is the axis; the axis routes by province
  console.log('\nPeers');
  await peer(A, 'axis', AXIS, ['*'], 'axis');
  await peer(B, 'axis', AXIS, ['*'], 'axis');
  await peer(AXIS, 'khanh-hoa', A, ['*.H40', 'H40.*']);
  await peer(AXIS, 'lam-dong', B, ['*.H42', 'H42.*']);
  // 3. one agency and one vendor system on each side
  const sender = '000.00.12.H40';
  const recipient = '000.00.07.H42';
  await call(A, 'POST', '/v1/admin/agencies', { organId: sender, name: 'Sở Nội vụ tỉnh Khánh Hòa' });
  await call(B, 'POST', '/v1/admin/agencies', { organId: recipient, name: 'Sở Nội vụ tỉnh Lâm Đồng' });
  const vnpt = await call(A, 'POST', '/v1/admin/systems', { name: 'VNPT iOffice', vendor: 'VNPT', organIds: [sender] });
  const viettel = await call(B, 'POST', '/v1/admin/systems', { name: 'Viettel VOffice', vendor: 'Viettel', organIds: [recipient] });
  const asVnpt = { authorization: `Bearer ${vnpt.token}` };
  const asViettel = { authorization: `Bearer ${viettel.token}` };
  // 4. a document from A's VNPT system to B's Viettel system
  const number = String(Date.now() % 100000);
  const document = {
    header: {
      from: { organId: sender, organName: 'Sở Nội vụ tỉnh Khánh Hòa' },
      to: [{ organId: recipient, organName: 'Sở Nội vụ tỉnh Lâm Đồng' }],
      documentId: `${sender},2026/12/07,${number}/SNV-VP`,
      code: { codeNumber: number, codeNotation: 'SNV-VP' },
      promulgationInfo: { place: 'Nha Trang', promulgationDate: '2026-12-07' },
      documentType: { type: 1, typeName: 'Công văn' },
      subject: 'Về việc phối hợp liên thông văn bản giữa hai tỉnh',
      signerInfo: { position: 'Giám đốc', fullName: 'Nguyễn Văn A' },
      toPlaces: [],
      otherInfo: { priority: 0, appendixes: [] },
      responseFor: [],
    },
    traceHeaders: [],
    attachments: [{ name: 'cong-van.txt', contentType: 'text/plain', content: Buffer.from('Nội dung công văn').toString('base64') }],
  };
  const sent = await call(A, 'POST', '/v1/documents', document, asVnpt);
  console.log(`\nA: POST /v1/documents → ${JSON.stringify(sent)}`);
  const delivery = await until('the document at B', async () => {
    const { items } = await call(B, 'GET', '/v1/inbox', undefined, asViettel);
    return items.find((d) => d.kind === 'document');
  });
  console.log(`B: in ${recipient}'s inbox: ${JSON.stringify(delivery)}`);
  const edxml = await (await fetch(`${B.url}/v1/deliveries/${delivery.deliveryId}/content?format=edxml`, { headers: asViettel })).text();
  const hops = [...edxml.matchAll(/<(?:\w+:)?TraceHeader>\s*<(?:\w+:)?OrganId>([^<]*)</g)].map((m) => m[1]);
  console.log(`B: the delivered edXML's TraceHeaders: ${hops.join(' → ')}`);
  // 5. B accepts it (status 03); A sees it in the timeline
  await call(B, 'POST', `/v1/deliveries/${delivery.deliveryId}/ack`, {}, asViettel);
  await call(B, 'POST', `/v1/documents/${delivery.documentId}/status`, { statusCode: '03', description: 'Đã tiếp nhận' }, asViettel);
  const timeline = await until("status 03 in A's timeline", async () => {
    const doc = await call(A, 'GET', `/v1/documents/${sent.documentId}`, undefined, asVnpt);
    return doc.recipients[0]?.status === '03' ? doc.recipients[0].timeline : undefined;
  });
  console.log(`A: the recipient's timeline: ${JSON.stringify(timeline)}`);
  console.log(`\nTry: curl -s ${AXIS.url}/v1/admin/peers/lam-dong -H 'authorization: Bearer ${ADMIN_TOKEN}'`);
}

const stop = () => {
  for (const child of children) child.kill('SIGTERM');
};
process.on('SIGINT', () => {
  stop();
  process.exit(0);
});
try {
  await main();
  if (process.argv.includes('--exit')) stop();
  else console.log('\nThe three hubs keep running; Ctrl-C stops them.');
} catch (error) {
  console.error(error);
  stop();
  process.exitCode = 1;
}
