/**
 * Federation survives kill -9 on either side (SPEC §6): two whole hubs, each in its own process
 * on the same SQLite data directory across restarts. Province A's hub is killed right after its
 * first 202 of a burst; later province B's hub is killed while transfers arrive. After the
 * restarts every document A accepted is in B's inbox exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { memoryAttachmentStore, parseEdxml, renderEdxml } from '@lienthong/edxml';
import { eventually, freePort, realEdxmlDir, tempDir } from '@lienthong/testing';
import { addPeer } from '@lienthong/federation/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const child = fileURLToPath(new URL('./test/federated-child.ts', import.meta.url));
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };
const A = '000.00.00.H13';
const B = '000.00.00.H51';
const SENDER = '002.00.20.H13';
const RECIPIENT = '000.00.15.H51';

interface Proc {
  readonly url: string;
  readonly proc: ChildProcess;
}

async function start(organId: string, dataDir: string, port: number): Promise<Proc> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, organId, dataDir, String(port)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.once('exit', (code) => reject(new Error(`${organId} exited ${code}`)));
  });
  return { url, proc };
}

const killed = (p: Proc) =>
  new Promise<void>((resolve) => {
    if (p.proc.exitCode !== null || p.proc.signalCode !== null) return resolve();
    p.proc.once('exit', () => resolve());
    p.proc.kill('SIGKILL');
  });

const call = async (url: string, auth: object, method: string, body?: unknown, type = 'application/json') => {
  const res = await fetch(url, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': type }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.text()) || 'null' };
};

t.test('kill -9 on either side loses nothing and delivers nothing twice', async (t) => {
  const dirA = tempDir(t, 'lt-fed-crash-a-');
  const dirB = tempDir(t, 'lt-fed-crash-b-');
  const [portA, portB] = [await freePort(), await freePort()];
  let a = await start(A, dirA, portA);
  let b = await start(B, dirB, portB);
  t.teardown(() => Promise.all([killed(a), killed(b)]));

  // 1. parties, systems and peers, as admins would register them
  await call(`${a.url}/v1/admin/agencies`, ADMIN, 'POST', { organId: SENDER, name: 'Sở Nội vụ' });
  await call(`${b.url}/v1/admin/agencies`, ADMIN, 'POST', { organId: RECIPIENT, name: 'Sở Tài chính' });
  const token = async (p: Proc, vendor: string, organId: string) => ({
    authorization: `Bearer ${(JSON.parse((await call(`${p.url}/v1/admin/systems`, ADMIN, 'POST', { name: vendor, vendor, organIds: [organId] })).body) as { token: string }).token}`,
  });
  const vnpt = await token(a, 'VNPT', SENDER);
  const viettel = await token(b, 'Viettel', RECIPIENT);
  await addPeer({ baseUrl: a.url, admin: ADMIN }, 'b', { baseUrl: b.url }, ['*.H51']);
  await addPeer({ baseUrl: b.url, admin: ADMIN }, 'a', { baseUrl: a.url }, ['*.H13']);

  // the real package, one distinct document per subject
  const store = memoryAttachmentStore();
  const parsed = await parseEdxml(readFileSync(join(realEdxmlDir(), 'edoc.edxml')), { attachments: store });
  if (parsed.kind !== 'document') throw new Error('not a document');
  const packageOf = (i: number) =>
    renderEdxml(
      { ...parsed.document, header: { ...parsed.document.header, documentId: `crash-${i}`, subject: `crash ${i}` } },
      { attachments: store },
    );
  const inboxAtB = async () => {
    const res = await call(`${b.url}/v1/inbox?limit=1000`, viettel, 'GET');
    return res.status === 200 ? (JSON.parse(res.body) as { items: Array<{ kind: string; subject: string }> }).items : null;
  };

  // 2. A killed right after its first 202 of a burst of 12
  const accepted: string[] = [];
  let dead = false;
  await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const res = await call(`${a.url}/v1/documents`, vnpt, 'POST', await packageOf(i), 'application/xml').catch(() => null);
      if (res?.status !== 202) return;
      accepted.push(`crash ${i}`);
      if (!dead) {
        dead = true;
        await killed(a);
      }
    }),
  );
  await killed(a);
  t.ok(accepted.length >= 1, `${accepted.length} accepted before A was killed`);
  a = await start(A, dirA, portA);

  // 3. B killed as soon as the next burst starts arriving
  const second = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const res = await call(`${a.url}/v1/documents`, vnpt, 'POST', await packageOf(100 + i), 'application/xml');
      t.equal(res.status, 202, res.body);
      return `crash ${100 + i}`;
    }),
  );
  await eventually(async () => ((await inboxAtB())?.length ?? 0) > accepted.length, 30_000, 'transfers arriving at B');
  await killed(b);
  b = await start(B, dirB, portB);

  // 4. everything accepted is at B, each once
  const expected = [...accepted, ...second];
  let subjects: string[] = [];
  await eventually(
    async () => {
      subjects = ((await inboxAtB()) ?? []).filter((d) => d.kind === 'document').map((d) => d.subject);
      return expected.every((s) => subjects.includes(s));
    },
    60_000,
    'every accepted document reached B',
  );
  t.equal(new Set(subjects).size, subjects.length, `${subjects.length} documents at B, none twice`);
  t.ok(
    subjects.every((s) => /^crash \d+$/.test(s)),
    'only the documents sent',
  );
});
