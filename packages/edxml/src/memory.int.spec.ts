import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileAttachmentStore } from './attachments.js';
import { parseEdxml } from './parse.js';
import { fixture } from './test/fixtures.js';

// A ~50 MB package (one ~37 MB attachment) parsed from a file stream into a file sink:
// resident memory must grow by less than 3× the package size.
const dir = await mkdtemp(join(tmpdir(), 'edxml-mem-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

const CHUNK = 3 * 349_525; // a multiple of 3, so each chunk's base64 joins cleanly
const CHUNKS = 36;

async function writePackage(path: string): Promise<{ sha256: string; size: number }> {
  const template = fixture('gateway-2025-a.edxml').toString('utf8');
  const [head, rest] = template.split(/(?<=<edXML:ContentTransferEncoded[^>]*>)/);
  const tail = rest!.slice(rest!.indexOf('</edXML:ContentTransferEncoded>'));
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(head!);
  for (let i = 0; i < CHUNKS; i++) {
    const bytes = randomBytes(CHUNK);
    hash.update(bytes);
    await write(`${bytes.toString('base64')}\r\n`);
  }
  await write(tail);
  out.end();
  await once(out, 'finish');
  return { sha256: hash.digest('hex'), size: CHUNK * CHUNKS };
}

t.test('a 50 MB package streams through with bounded memory', async (t) => {
  const path = join(dir, 'big.edxml');
  const expected = await writePackage(path);
  const packageSize = (await stat(path)).size;
  t.ok(packageSize > 48e6, `package is ${(packageSize / 1e6).toFixed(1)} MB`);

  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const store = fileAttachmentStore(join(dir, 'blobs'));
  const m = await parseEdxml(createReadStream(path, { highWaterMark: 64 * 1024 }), { attachments: store });
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);

  t.equal(m.kind, 'document');
  if (m.kind !== 'document') return;
  const a = m.document.attachments[0]!;
  t.same({ sha256: a.sha256, size: a.size }, expected, 'the attachment arrives intact');
  t.equal((await stat(store.pathOf(a.sha256))).size, expected.size);
  const growth = peak - before;
  t.comment(`rss growth ${(growth / 1e6).toFixed(1)} MB for a ${(packageSize / 1e6).toFixed(1)} MB package`);
  t.ok(growth < 3 * packageSize, 'resident memory grows by less than 3× the package size');
});
