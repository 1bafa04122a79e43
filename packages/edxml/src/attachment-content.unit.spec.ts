import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { memoryAttachmentStore } from './attachments.js';
import { Base64Error, Base64StreamDecoder } from './base64.js';
import type { EdxmlMessage } from './build.js';
import { EdxmlValidationError } from './errors.js';
import { documentFromJson } from './json.js';
import { parseEdxml } from './parse.js';
import { acceptedFixtures, fixture } from './test/fixtures.js';

// Attachments are stored exactly as sent, whatever the slicing of the input, or refused naming the attachment.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Decodes `text` in the given slices; the error message when it is refused. */
function decode(slices: readonly string[]): Buffer | string {
  const d = new Base64StreamDecoder();
  try {
    const out = slices.map((s) => d.push(s));
    return Buffer.concat([...out, d.end()]);
  } catch (error) {
    if (error instanceof Base64Error) return error.message;
    throw error;
  }
}

/** Every way of cutting `text` in two, and in single characters. */
const cuts = (text: string): string[][] => [[text], [...text], ...Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)])];

t.test('base64: the same bytes in every slicing; whitespace and line breaks are fine', async (t) => {
  const bytes = randomBytes(100);
  for (const extra of [0, 1, 2]) {
    const b = bytes.subarray(0, 97 + extra);
    const text = b.toString('base64').replace(/(.{16})/g, '$1\r\n').replace(/(.{7})/g, '$1 \t');
    for (const slices of cuts(text)) t.same(decode(slices), b, `${b.length} bytes`);
    t.same(decode([b.toString('base64').replace(/=+$/, '')]), b, 'unpadded');
  }
});

t.test('base64: refused, never shortened or skipped', async (t) => {
  const refused: Record<string, [string, RegExp]> = {
    'padding in the middle': ['QQ==QUJD', /padding in the middle/],
    'padding in the middle, one "="': ['QUI=QUJD', /padding in the middle/],
    'padding where none can be': ['QUJD=', /no padding can be/],
    'too much padding': ['QUI==', /too much/],
    'incomplete padding': ['QQ=', /incomplete/],
    'a dangling character': ['QUJDQ', /single base64 character/],
    'bits no byte holds': ['QR==', /not canonical/],
    NUL: ['QU\u0000JD', /U\+0000 at position 3 is not base64/],
    'U+0001': ['QUJD\u0001', /U\+0001 at position 5/],
    'URL-safe alphabet': ['QU-_', /"-" at position 3/],
    'a non-breaking space': ['QU\u00a0JD', /U\+00A0/],
  };
  for (const [label, [text, message]] of Object.entries(refused)) {
    for (const slices of cuts(text)) {
      const got = decode(slices);
      t.ok(typeof got === 'string' && message.test(got), `${label} ${JSON.stringify(slices)}: ${typeof got === 'string' ? got : got.toString('hex')}`);
    }
  }
});

/** Parses bytes fed as a stream in chunks of `sizes` (cycled); the model and every stored blob. */
async function parseInChunks(bytes: Buffer, sizes: readonly number[]): Promise<{ message: EdxmlMessage; blobs: Map<string, number> }> {
  const chunks: Buffer[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  const store = memoryAttachmentStore();
  const message = await parseEdxml(Readable.from(chunks), { attachments: store });
  return { message, blobs: new Map([...store.blobs].map(([k, v]) => [k, v.length])) };
}

/** A reproducible random list of chunk sizes from 1 to `max`. */
function randomSizes(seed: number, max: number): number[] {
  let x = seed;
  return Array.from({ length: 257 }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return 1 + (x % max);
  });
}

t.test('every real sample, whole and in small chunks, gives the same blobs and model', async (t) => {
  const slicings: Record<string, number[]> = { '1': [1], '3': [3], '7': [7], '64': [64], '1000': [1000], 'random ≤ 50': randomSizes(7, 50), 'random ≤ 5000': randomSizes(11, 5000) };
  for (const f of acceptedFixtures()) {
    const whole = await parseInChunks(f.bytes, [f.bytes.length]);
    for (const [label, sizes] of Object.entries(slicings)) {
      // Chunks of 1 byte over a 370 KB package take seconds: once is enough for those.
      if (label === '1' && f.bytes.length > 100_000 && f.name !== 'edoc_new.edxml') continue;
      const chunked = await parseInChunks(f.bytes, sizes);
      t.same(chunked.blobs, whole.blobs, `${f.name} in chunks of ${label}: the same blobs (sha256 and size)`);
      t.same(chunked.message, whole.message, `${f.name} in chunks of ${label}: the same model`);
    }
    if (whole.message.kind === 'document') t.equal(whole.blobs.size, whole.message.document.attachments.length, `${f.name}: every attachment stored`);
  }
});

/** gateway-2025-a.edxml with `content` as its attachment's ContentTransferEncoded. */
function withContent(content: string): string {
  const xml = fixture('gateway-2025-a.edxml').toString('utf8');
  return xml.replace(/(<edXML:ContentTransferEncoded[^>]*>)[^<]*/, (_, open: string) => `${open}${content}`);
}
const CONTENT_PATH = 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded';
const NAME = /attachment "1761211722949_TestTrucLienThong.pdf" \(cid:56fb5bcb-8229-4691-8b4f-51305171b954\)/;

t.test('a large attachment split at every awkward boundary is stored exactly', async (t) => {
  const bytes = randomBytes(300_001); // over the 256 KB that go to a parse worker; 1 byte over a whole group
  const base64 = bytes.toString('base64');
  const lines = base64.replace(/(.{76})/g, '$1\r\n');
  // C# writers escape CR as &#xD;; a reference may stand for any character; some senders wrap content in CDATA.
  const a = lines.indexOf('A', 100_000);
  const escaped = `${lines.slice(0, a)}&#x41;${lines.slice(a + 1, 200_000)}`;
  const content = `\n${escaped}&#xD;&#10;<![CDATA[${lines.slice(200_000, 300_000)}]]>${lines.slice(300_000)}\n`;
  const xml = Buffer.from(withContent(content));
  const expected = { sha256: sha(bytes), size: bytes.length };
  const start = xml.indexOf('<edXML:ContentTransferEncoded');
  const marks = [start, xml.indexOf('>', start) + 1, xml.indexOf('&#x41;'), xml.indexOf('&#xD;'), xml.indexOf('<![CDATA['), xml.indexOf(']]>'), xml.indexOf('</edXML:ContentTransferEncoded'), xml.indexOf('\r\n', start + 1000)];
  let splits = 0;
  for (const mark of marks) {
    t.ok(mark > 0, 'the boundary is in the package');
    for (let at = mark - 10; at <= mark + 12; at++) {
      const { message } = await parseInChunks(xml, [at, xml.length]);
      const a = message.kind === 'document' ? message.document.attachments[0] : undefined;
      if (a?.sha256 !== expected.sha256 || a.size !== expected.size) t.fail(`split at ${at}: ${a?.size} bytes`);
      splits++;
    }
  }
  t.equal(splits, marks.length * 23, `${splits} splits, each stored exactly`);
  const { message, blobs } = await parseInChunks(xml, randomSizes(3, 70_000));
  t.match(message, { document: { attachments: [expected] } }, 'random chunks');
  t.same([...blobs], [[expected.sha256, expected.size]]);
});

t.test('content that is not exactly one base64 text is refused naming the attachment, in any slicing', async (t) => {
  const good = randomBytes(3000).toString('base64');
  const refused: Record<string, [string, RegExp]> = {
    'padding in the middle': [`${good.slice(0, 1000)}QQ==${good.slice(1000)}`, /padding in the middle/],
    NUL: [`${good.slice(0, 10)}\u0000${good.slice(10)}`, /U\+0000 at position 11 is not base64/],
    'U+0001': [`${good.slice(0, 2000)}\u0001${good.slice(2000)}`, /U\+0001/],
    'an unfilled placeholder': ['${__StringFromFile(test.txt,,,)}', /"\$" at position 1/],
    'a reference to a non-base64 character': [`${good.slice(0, 8)}&#0;${good.slice(8)}`, /not an XML character/],
    'an entity': [`${good.slice(0, 8)}&nbsp;${good.slice(8)}`, /not a character reference/],
    'a comment': [`${good.slice(0, 8)}<!-- x -->${good.slice(8)}`, /a comment inside the content/],
  };
  for (const [label, [content, message]] of Object.entries(refused)) {
    const xml = Buffer.from(withContent(content));
    for (const sizes of [[xml.length], [1000], [7], randomSizes(5, 300)]) {
      const err = await parseInChunks(xml, sizes).then(
        () => undefined,
        (e: unknown) => e,
      );
      t.type(err, EdxmlValidationError, `${label} in chunks of ${sizes[0]}`);
      const issue = (err as EdxmlValidationError).issues?.[0];
      t.equal(issue?.path, CONTENT_PATH, `${label}: the path`);
      t.match(issue?.message, NAME, `${label}: the attachment named`);
      t.match(issue?.message, message, `${label}: what is wrong`);
    }
  }
});

t.test('the JSON form holds attachment content to the same rule', async (t) => {
  const json = (content: string) => ({
    header: {
      from: { organId: 'A' },
      to: [{ organId: 'B' }],
      code: { codeNumber: '1', codeNotation: 'X' },
      promulgationInfo: { place: 'Hà Nội', promulgationDate: '2026-01-15' },
      documentType: { type: 1 },
      subject: 'S',
      signerInfo: {},
      toPlaces: [],
      otherInfo: { priority: 0, appendixes: [] },
      responseFor: [],
    },
    traceHeaders: [],
    attachments: [{ name: 'a.pdf', content }],
  });
  const store = memoryAttachmentStore();
  const ok = await documentFromJson(json('QUJD\r\nRUY='), { attachments: store });
  t.same(store.blobs.get(ok.attachments[0]!.sha256), Buffer.from('ABCEF'));
  for (const [content, message] of [
    ['QUJDR', /single base64 character/],
    ['QR==', /not canonical/],
  ] as const) {
    await t.rejects(documentFromJson(json(content), { attachments: memoryAttachmentStore() }), { name: 'EdxmlValidationError', issues: [{ path: 'attachments/0/content', message }] }, content);
  }
});
