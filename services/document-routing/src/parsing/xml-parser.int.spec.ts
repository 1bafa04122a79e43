import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { openBlobStore } from '@lienthong/blob-store';
import { AppError, createLogger, forbidden } from '@lienthong/service-kit';
import { tempDir } from '@lienthong/testing';
import { blobSink } from '../attachments.js';
import { fixture, sampleDocument, sampleXml } from '../test/helpers.js';
import { signEdxml } from '../test/signing.js';
import { createParsePool, inlineXmlParser, WORKER_BODY_LIMIT, type ParsePool, type XmlParser } from './xml-parser.js';

const logger = createLogger({ level: 'silent' });
const MB = 1024 * 1024;

/** Every file under `dir` (the blob store's content), recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

async function setUp(t: Test, workers = 1): Promise<{ pool: ParsePool; inline: XmlParser; dataDir: string; blobDir: string }> {
  const dataDir = tempDir(t);
  const blobs = await openBlobStore({ dataDir });
  const sink = blobSink(blobs);
  const pool = createParsePool({ workers, blobs: { dataDir }, sink, logger });
  t.teardown(async () => {
    await pool.close();
    await blobs.close();
  });
  await pool.start();
  return { pool, inline: inlineXmlParser(sink), dataDir, blobDir: join(dataDir, 'blobs') };
}

const chunks = (bytes: Buffer, size = 1000) =>
  Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));

t.test('a worker gives the message, digest and kept bytes the event loop would', async (t) => {
  const { pool, inline } = await setUp(t);
  for (const name of ['edoc.edxml', 'edoc_new.edxml', 'status.edxml']) {
    const bytes = fixture(name);
    const options = { maxBytes: 10 * MB, keepUpTo: 10 * MB };
    const viaWorker = await pool.parse(chunks(bytes), options);
    const onLoop = await inline.parse(chunks(bytes), options);
    t.same(viaWorker.message, onLoop.message, `${name}: same message`);
    t.equal(viaWorker.digest.sha256, onLoop.digest.sha256, `${name}: same digest`);
    t.equal(viaWorker.digest.size, bytes.length);
    t.ok(viaWorker.digest.raw?.equals(bytes), `${name}: the bytes kept for signature checks`);
    const notKept = await pool.parse(chunks(bytes), { maxBytes: 10 * MB, keepUpTo: bytes.length - 1 });
    t.equal(notKept.digest.raw, null, `${name}: not kept when larger than keepUpTo`);
    t.equal(notKept.digest.sha256, onLoop.digest.sha256);
    if (name === 'edoc.edxml')
      t.match(
        viaWorker.message,
        {
          warnings: [{ code: 'attachment-not-base64', attachment: 'cid:36b8a92e-f054-11e7-842b-005056b672fc' }],
          document: { attachments: [{ notBase64: true }] },
        },
        'its placeholder attachment stored as text, with the warning',
      );
  }
});

t.test('attachments are stored by the worker, in the shared blob store', async (t) => {
  const { pool, blobDir } = await setUp(t);
  const content = Buffer.from('nội dung tệp đính kèm '.repeat(50));
  const xml = await sampleXml(sampleDocument({ from: 'A', to: ['B'] }), [{ name: 'a.txt', bytes: content }]);
  const { message } = await pool.parse(chunks(Buffer.from(xml)), { maxBytes: MB, keepUpTo: 0 });
  t.equal(message.kind, 'document');
  const [attachment] = message.kind === 'document' ? message.document.attachments : [];
  t.equal(attachment?.size, content.length);
  t.ok(
    files(blobDir).some((f) => f.includes(attachment!.sha256)),
    'the blob is on disk under its hash',
  );
});

t.test('the sender gate runs here; a refused sender stores nothing and gets the gate error', async (t) => {
  const { pool, blobDir } = await setUp(t);
  const xml = await sampleXml(sampleDocument({ from: 'FORGED', to: ['B'] }), [{ name: 'a.txt', bytes: Buffer.from('bí mật') }]);
  const asked: Array<string | null> = [];
  const refusal = pool.parse(chunks(Buffer.from(xml)), {
    maxBytes: MB,
    keepUpTo: 0,
    beforeAttachments: (sender) => {
      asked.push(sender);
      throw forbidden(`this system does not act for ${sender}`);
    },
  });
  await t.rejects(refusal, { status: 403, message: 'this system does not act for FORGED' });
  t.same(asked, ['FORGED']);
  t.same(existsSync(blobDir) ? files(blobDir) : [], [], 'no blob stored');
  // an asynchronous gate that accepts lets the parse finish
  const ok = await pool.parse(chunks(Buffer.from(xml)), { maxBytes: MB, keepUpTo: 0, beforeAttachments: async () => {} });
  t.equal(ok.message.kind, 'document');
});

t.test('parse errors come back as the same problems (400 naming the path, 413)', async (t) => {
  const { pool, inline } = await setUp(t);
  const broken = Buffer.from('<edXMLEnvelope><edXMLHeader><MessageHeader>');
  const [a, b] = await Promise.allSettled([
    pool.parse(chunks(broken), { maxBytes: MB, keepUpTo: 0 }),
    inline.parse(chunks(broken), { maxBytes: MB, keepUpTo: 0 }),
  ]);
  t.equal(a.status, 'rejected');
  const viaWorker = (a as PromiseRejectedResult).reason as AppError;
  const onLoop = (b as PromiseRejectedResult).reason as AppError;
  t.ok(viaWorker instanceof AppError);
  t.equal(viaWorker.code, onLoop.code);
  t.equal(viaWorker.message, onLoop.message);
  t.same(viaWorker.errors, onLoop.errors);
  const bomb = Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>');
  await t.rejects(pool.parse(chunks(bomb), { maxBytes: MB, keepUpTo: 0 }), { code: 'LT_MALFORMED_BODY' });
  await t.rejects(pool.parse(chunks(fixture('edoc.edxml')), { maxBytes: 100, keepUpTo: 0 }), { code: 'LT_BODY_TOO_LARGE' });
});

t.test('bodies past the worker limit stream on the event loop, the bytes read so far first', async (t) => {
  const { pool } = await setUp(t);
  const big = Buffer.alloc(WORKER_BODY_LIMIT + 50_000, 7);
  const xml = Buffer.from(await sampleXml(sampleDocument({ from: 'A', to: ['B'] }), [{ name: 'big.bin', bytes: big }]));
  const { message, digest } = await pool.parse(chunks(xml, 16_384), { maxBytes: 10 * MB, keepUpTo: 0 });
  t.equal(digest.size, xml.length);
  t.equal(message.kind === 'document' ? message.document.attachments[0]?.size : -1, big.length);
});

t.test('many bodies at once spread over the workers and all come back', async (t) => {
  const { pool } = await setUp(t, 2);
  const bodies = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      sampleXml(sampleDocument({ from: 'A', to: ['B'], documentId: `doc-${i}` }), [{ name: 'a.txt', bytes: Buffer.from(`tệp ${i}`) }]),
    ),
  );
  const parsed = await Promise.all(
    bodies.map((xml) => pool.parse(chunks(Buffer.from(xml)), { maxBytes: MB, keepUpTo: 0, beforeAttachments: async () => {} })),
  );
  t.same(
    parsed.map((p) => (p.message.kind === 'document' ? p.message.document.header.documentId : null)),
    bodies.map((_, i) => `doc-${i}`),
  );
});

t.test('a worker that dies fails its requests, the event loop parses meanwhile, and another worker starts', async (t) => {
  const { pool } = await setUp(t);
  const xml = Buffer.from(await sampleXml(sampleDocument({ from: 'A', to: ['B'] }), [{ name: 'a.txt', bytes: Buffer.from('tệp') }]));
  const [first] = pool.threads();
  // a request held at its sender gate while its worker dies
  let gateAsked!: () => void;
  const asked = new Promise<void>((r) => (gateAsked = r));
  const held = pool.parse(chunks(xml), { maxBytes: MB, keepUpTo: 0, beforeAttachments: () => (gateAsked(), new Promise<void>(() => {})) });
  await asked;
  await first!.terminate();
  await t.rejects(held, /parse worker stopped/);
  const meanwhile = await pool.parse(chunks(xml), { maxBytes: MB, keepUpTo: 0 });
  t.equal(meanwhile.message.kind, 'document', 'parsed on the event loop while no worker runs');
  const deadline = Date.now() + 10_000;
  while (pool.threads()[0] === first && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.not(pool.threads()[0], first, 'a new worker replaced it');
  await new Promise((r) => setTimeout(r, 300)); // started
  const after = await pool.parse(chunks(xml), { maxBytes: MB, keepUpTo: 0 });
  t.equal(after.message.kind, 'document');
});

t.test("a signed document is verified where it is parsed, with the event loop's verdict", async (t) => {
  const { pool, inline } = await setUp(t);
  const signed = signEdxml(await sampleXml(sampleDocument({ from: 'A', to: ['B'], documentId: 'signed-1' })));
  const tampered = signed.replace('Về việc triển khai', 'Về việc hủy bỏ');
  for (const [name, xml, status] of [
    ['signed', signed, 'valid'],
    ['altered after signing', tampered, 'invalid'],
  ] as const) {
    const viaWorker = await pool.parse(chunks(Buffer.from(xml)), { maxBytes: MB, keepUpTo: MB, verify: true });
    const onLoop = await inline.parse(chunks(Buffer.from(xml)), { maxBytes: MB, keepUpTo: MB, verify: true });
    t.equal(viaWorker.verification?.status, status, `${name}: ${status}`);
    t.same(viaWorker.verification, onLoop.verification, `${name}: the same verdict`);
    t.equal(viaWorker.digest.raw, null, `${name}: verified there, the bytes are not sent back`);
    t.equal(viaWorker.digest.size, Buffer.byteLength(xml), `${name}: the digest still tells their size`);
  }
  const unsigned = await pool.parse(chunks(Buffer.from(await sampleXml(sampleDocument({ from: 'A', to: ['B'] })))), {
    maxBytes: MB,
    keepUpTo: MB,
    verify: true,
  });
  t.same([unsigned.verification, unsigned.digest.raw], [undefined, null], 'nothing to verify: no verdict, no bytes back');
  const unasked = await pool.parse(chunks(Buffer.from(signed)), { maxBytes: MB, keepUpTo: MB });
  t.equal(unasked.verification, undefined, 'not verified unless asked');
  t.ok(unasked.digest.raw?.equals(Buffer.from(signed)), 'not verified there: the bytes come back for the caller');
});

t.test('the workers start with the first body one could parse, which the event loop parses meanwhile', async (t) => {
  const dataDir = tempDir(t);
  const blobs = await openBlobStore({ dataDir });
  const pool = createParsePool({ workers: 2, blobs: { dataDir }, sink: blobSink(blobs), logger });
  t.teardown(async () => {
    await pool.close();
    await blobs.close();
  });
  await new Promise((r) => setTimeout(r, 200));
  t.same(pool.threads(), [], 'no thread before a body needs one');
  const big = Buffer.from(
    await sampleXml(sampleDocument({ from: 'A', to: ['B'] }), [{ name: 'big.bin', bytes: Buffer.alloc(WORKER_BODY_LIMIT + 1, 7) }]),
  );
  await pool.parse(chunks(big, 16_384), { maxBytes: 10 * MB, keepUpTo: 0 });
  t.same(pool.threads(), [], 'nor for a body past the worker limit (it streams on the event loop)');

  const xml = Buffer.from(await sampleXml(sampleDocument({ from: 'A', to: ['B'] }), [{ name: 'a.txt', bytes: Buffer.from('tệp') }]));
  const first = await pool.parse(chunks(xml), { maxBytes: MB, keepUpTo: 0 });
  t.equal(first.message.kind, 'document', 'the first body answered without waiting for a thread');
  t.equal(pool.threads().length, 2, 'it started the workers');
  await pool.start(); // the same start: resolves once they are ready
  t.equal(pool.threads().length, 2, 'started once');
  // a body held at its sender gate shows which thread took it: stopping that thread fails it
  let gateAsked!: () => void;
  const asked = new Promise<void>((r) => (gateAsked = r));
  const held = pool.parse(chunks(xml), { maxBytes: MB, keepUpTo: 0, beforeAttachments: () => (gateAsked(), new Promise<void>(() => {})) });
  await asked;
  // listening before the threads stop: their exit rejects it at once
  const failed = t.rejects(held, /parse worker stopped/, 'the next body went to a worker thread');
  await Promise.all(pool.threads().map((w) => w.terminate()));
  await failed;
});
