import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { get, inbox, sampleDocument, sampleXml, startRoutingHub } from '../test/helpers.js';

const child = fileURLToPath(new URL('../test/crash-child.ts', import.meta.url));

t.test('a hub killed right after its 202s loses no document and no delivery', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-routing-crash-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  // 1. register the parties, then stop
  let hub = await startRoutingHub({ dataDir });
  for (const id of ['H40', 'H40.12', 'H40.13']) await hub.agency(id);
  const sender = await hub.system(['H40']);
  const r12 = await hub.system(['H40.12']);
  const r13 = await hub.system(['H40.13']);
  await hub.close();

  // 2. a hub in a child process receives a burst of documents and is SIGKILLed after the first 202
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => proc.kill('SIGKILL'));
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  const xml = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      sampleXml(sampleDocument({ from: 'H40', to: ['H40.12', 'H40.13'], documentId: `crash-${i}` }), [
        { name: `a${i}.txt`, bytes: Buffer.from(`tệp ${i}`) },
      ]),
    ),
  );
  const accepted: string[] = [];
  let killed = false;
  await Promise.all(
    xml.map(async (body) => {
      const res = await fetch(`${address}/v1/documents`, {
        method: 'POST',
        headers: { ...sender, 'content-type': 'application/xml' },
        body,
      }).catch(() => null);
      if (res?.status === 202) {
        accepted.push(((await res.json()) as { documentId: string }).documentId);
        if (!killed) {
          killed = true;
          proc.kill('SIGKILL');
        }
      }
    }),
  );
  await new Promise((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve(null) : proc.once('exit', resolve)));
  t.ok(accepted.length >= 1, `${accepted.length} documents were accepted before the kill`);

  // 3. the same data directory again: every accepted document has its pending deliveries
  hub = await startRoutingHub({ dataDir });
  t.teardown(() => hub.close());
  const pending12 = new Set((await inbox(hub, r12, '?limit=1000')).map((d) => d.documentId));
  const pending13 = new Set((await inbox(hub, r13, '?limit=1000')).map((d) => d.documentId));
  for (const id of accepted) {
    t.ok(pending12.has(id) && pending13.has(id), `document ${id} is pending for both recipients`);
    const doc = await get(hub, sender, `/v1/documents/${id}`);
    t.equal(doc.statusCode, 200);
    const attachment = (doc.json() as { attachments: Array<{ url: string }> }).attachments[0]!;
    t.equal((await get(hub, r12, attachment.url)).statusCode, 200, 'its attachment is there too');
  }
});
