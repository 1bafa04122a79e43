import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { memoryAttachmentStore } from './attachments.js';
import { Base64Error, Base64StreamDecoder } from './base64.js';
import { RAW_PREFIX_CHARS } from './content.js';
import type { EdxmlMessage } from './build.js';
import { EdxmlValidationError } from './errors.js';
import { documentFromJson } from './json.js';
import { parseEdxml } from './parse.js';
import { chunked, EDOC_PLACEHOLDER, fixture, minimalHeader, realFixtures } from './test/fixtures.js';
import { toUtf16 } from './test/variants.js';

// Attachments are stored exactly as sent, whatever the slicing of the input, or refused naming the
// attachment: base64 decoded; content that is not base64 at all as its text (UTF-8), with a warning.

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
const cuts = (text: string): string[][] => [
  [text],
  [...text],
  ...Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]),
];

t.test('base64: the same bytes in every slicing; whitespace and line breaks are fine', async (t) => {
  const bytes = randomBytes(100);
  for (const extra of [0, 1, 2]) {
    const b = bytes.subarray(0, 97 + extra);
    const text = b
      .toString('base64')
      .replace(/(.{16})/g, '$1\r\n')
      .replace(/(.{7})/g, '$1 \t');
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
      t.ok(
        typeof got === 'string' && message.test(got),
        `${label} ${JSON.stringify(slices)}: ${typeof got === 'string' ? got : got.toString('hex')}`,
      );
    }
  }
});

/** Parses bytes fed as a stream in chunks of `sizes` (cycled); the model and every stored blob. */
async function parseInChunks(
  bytes: Buffer,
  sizes: readonly number[],
): Promise<{ message: EdxmlMessage; blobs: Map<string, number>; stored: Map<string, Buffer> }> {
  const store = memoryAttachmentStore();
  const message = await parseEdxml(Readable.from(chunked(bytes, sizes)), { attachments: store });
  return { message, blobs: new Map([...store.blobs].map(([k, v]) => [k, v.length])), stored: store.blobs };
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
  const slicings: Record<string, number[]> = {
    '1': [1],
    '3': [3],
    '7': [7],
    '64': [64],
    '1000': [1000],
    'random ≤ 50': randomSizes(7, 50),
    'random ≤ 5000': randomSizes(11, 5000),
  };
  for (const f of realFixtures()) {
    const whole = await parseInChunks(f.bytes, [f.bytes.length]);
    for (const [label, sizes] of Object.entries(slicings)) {
      // Chunks of 1 byte over a 370 KB package take seconds: once is enough for those.
      if (label === '1' && f.bytes.length > 100_000 && f.name !== 'edoc_new.edxml') continue;
      const chunked = await parseInChunks(f.bytes, sizes);
      t.same(chunked.blobs, whole.blobs, `${f.name} in chunks of ${label}: the same blobs (sha256 and size)`);
      t.same(chunked.message, whole.message, `${f.name} in chunks of ${label}: the same model`);
    }
    if (whole.message.kind === 'document')
      t.equal(whole.blobs.size, whole.message.document.attachments.length, `${f.name}: every attachment stored`);
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
  const marks = [
    start,
    xml.indexOf('>', start) + 1,
    xml.indexOf('&#x41;'),
    xml.indexOf('&#xD;'),
    xml.indexOf('<![CDATA['),
    xml.indexOf(']]>'),
    xml.indexOf('</edXML:ContentTransferEncoded'),
    xml.indexOf('\r\n', start + 1000),
  ];
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
    NUL: [`${good.slice(0, 10)}\u0000${good.slice(10)}`, /U\+0000 at position 11 is not base64, nor text/],
    'U+0001': [`${good.slice(0, 2000)}\u0001${good.slice(2000)}`, /U\+0001/],
    'U+001F': [`${good}\u001f`, /U\+001F at position 4001/],
    'a form feed': [`${good.slice(0, 3)}\u000c${good.slice(3)}`, /U\+000C at position 4/],
    'U+FFFF': [`${good.slice(0, 3)}\uffff${good.slice(3)}`, /U\+FFFF at position 4/],
    'a dangling character': [`${good}Q`, /single base64 character/],
    'bits no byte holds': [`${good}QR==`, /not canonical/],
    'padding in the middle after a megabyte': [`${randomBytes(786_432).toString('base64')}QQ==${good}`, /padding in the middle/],
    'a placeholder followed by NUL': [`${EDOC_PLACEHOLDER}\u0000`, /U\+0000 at position 33/],
    'NUL after a megabyte of text': [`#${randomBytes(786_432).toString('base64')}\u0000`, /U\+0000 at position 1048578/],
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
      if (!(err instanceof EdxmlValidationError)) continue;
      t.equal(issue?.path, CONTENT_PATH, `${label}: the path`);
      t.match(issue?.message, NAME, `${label}: the attachment named`);
      t.match(issue?.message, message, `${label}: what is wrong`);
    }
  }
});

t.test('content that is not base64 at all is stored as its text, the same in any slicing, with a warning naming it', async (t) => {
  const mb = randomBytes(786_432)
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n'); // 1 MiB of base64 lines: the decision comes late
  const stored: Record<string, [content: string, text: string, at: RegExp]> = {
    'an unfilled placeholder': [EDOC_PLACEHOLDER, EDOC_PLACEHOLDER, /"\$" at position 1\b/],
    'a "$" after a megabyte of base64 lines': [`${mb}$`, `${mb}$`, new RegExp(`"\\$" at position ${mb.length + 1}\\b`)],
    'malformed base64 first, then not base64 at all': ['QQ==QUJD=Q ${x}', 'QQ==QUJD=Q ${x}', /"\$" at position 12\b/],
    'references and CDATA resolved': ['a&amp;b &#x1F600;<![CDATA[<c>&amp;]]>&#xD;\n', 'a&b 😀<c>&amp;\r\n', /"&" at position 2\b/],
    'text in Vietnamese, a character outside the BMP, a C1 control': [
      'nội dung 𠀀 \u0085 ',
      'nội dung 𠀀 \u0085 ',
      /U\+1ED9 at position 2\b/,
    ],
  };
  for (const [label, [content, text, at]] of Object.entries(stored)) {
    const expected = Buffer.from(text, 'utf8');
    const xml = Buffer.from(withContent(content));
    const start = xml.indexOf('<edXML:ContentTransferEncoded');
    const sizes: number[][] = [[xml.length], [7], [1000], randomSizes(13, 300), randomSizes(17, 70_000)];
    // a split at every byte of the content's first 40 and last 40 (inside multi-byte characters too)
    const open = xml.indexOf('>', start) + 1;
    const close = xml.indexOf('</edXML:ContentTransferEncoded');
    for (let at = open - 2; at <= Math.min(open + 40, close); at++) sizes.push([at, xml.length]);
    for (let at = Math.max(open, close - 40); at <= close + 2; at++) sizes.push([at, xml.length]);
    for (const cut of sizes) {
      const got = await parseInChunks(xml, cut);
      const a = got.message.kind === 'document' ? got.message.document.attachments[0] : undefined;
      const blob = a === undefined ? undefined : got.stored.get(a.sha256);
      if (blob === undefined || !blob.equals(expected) || a?.notBase64 !== true || got.stored.size !== 1) {
        t.fail(
          `${label}, chunks ${cut.slice(0, 2).join(',')}…: ${blob?.length} bytes stored, notBase64 ${a?.notBase64}, ${got.stored.size} blobs`,
        );
        continue;
      }
      const w = got.message.warnings.filter((x) => x.code === 'attachment-not-base64');
      if (
        w.length !== 1 ||
        w[0]!.attachment !== 'cid:56fb5bcb-8229-4691-8b4f-51305171b954' ||
        !at.test(w[0]!.message) ||
        !NAME.test(w[0]!.message)
      )
        t.fail(`${label}: warning ${JSON.stringify(w)}`);
    }
    t.pass(`${label}: ${expected.length} bytes, the same in ${sizes.length} slicings`);
  }

  // UTF-16 input: a surrogate pair may arrive split across chunks
  const utf16 = toUtf16(withContent('𠀀 ${x} 😀'));
  for (let cut = 1; cut < 40; cut++) {
    const at = utf16.indexOf(Buffer.from('𠀀', 'utf16le')) - 20 + cut;
    const got = await parseInChunks(utf16, [at, utf16.length]);
    const a = got.message.kind === 'document' ? got.message.document.attachments[0]! : undefined;
    if (!got.stored.get(a!.sha256)?.equals(Buffer.from('𠀀 ${x} 😀', 'utf8'))) t.fail(`UTF-16 split at ${at}`);
  }
  t.pass('UTF-16 with surrogate pairs split anywhere');

  // the warning is in the model, and the decoded attempt was not kept
  const { message } = await parseInChunks(Buffer.from(withContent(EDOC_PLACEHOLDER)), [100]);
  if (message.kind !== 'document') return t.fail('document expected');
  t.match(message.document.variant.tolerated, [/not base64.*stored as sent, its text as UTF-8 \(32 bytes\)/]);
});

t.test('the reader writes each attachment once: decoded, or as text once it is known not to be base64', async (t) => {
  const events: string[] = [];
  let n = 0;
  const sink = {
    begin() {
      const id = ++n;
      const chunks: Buffer[] = [];
      return {
        write(c: Buffer) {
          chunks.push(c);
        },
        async end() {
          events.push(`end ${id}`);
          const b = Buffer.concat(chunks);
          return { sha256: sha(b), size: b.length };
        },
        async abort() {
          events.push(`abort ${id}`);
        },
      };
    },
  };
  await parseEdxml(withContent(Buffer.from('abc').toString('base64')), { attachments: sink });
  t.same(events, ['end 1'], 'base64: one writer, decoded, nothing else begun');
  events.length = 0;
  n = 0;
  await parseEdxml(withContent(EDOC_PLACEHOLDER), { attachments: sink });
  t.same(events, ['abort 1', 'end 2'], 'not base64: the decoded attempt is dropped as soon as it is known, the text written by a second');
  events.length = 0;
  n = 0;
  await t.rejects(parseEdxml(withContent(`QQ==QUJD`), { attachments: sink }), EdxmlValidationError);
  t.same(events, ['abort 1'], 'refused: the one writer dropped');
});

t.test('a character outside base64 later than the kept prefix is refused, not stored', async (t) => {
  const long = 'QUJD'.repeat(RAW_PREFIX_CHARS / 4 + 1);
  const err = await parseEdxml(withContent(`${long}$`), { attachments: memoryAttachmentStore() }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, EdxmlValidationError);
  t.match(
    (err as EdxmlValidationError).issues?.[0]?.message,
    new RegExp(`"\\$" at position ${long.length + 1} is not base64, after more than`),
  );
  // just inside the prefix: still text
  const inside = 'QUJD'.repeat(RAW_PREFIX_CHARS / 4 - 1);
  const store = memoryAttachmentStore();
  const ok = await parseEdxml(withContent(`${inside}$`), { attachments: store });
  const a = ok.kind === 'document' ? ok.document.attachments[0] : undefined;
  t.equal(a?.notBase64, true);
  t.equal(store.blobs.get(a!.sha256)?.length, inside.length + 1, 'stored as its text, whole');
});

t.test('the JSON form holds attachment content to the same rule', async (t) => {
  const json = (content: string) => ({
    header: minimalHeader('A', 'B'),
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
    await t.rejects(
      documentFromJson(json(content), { attachments: memoryAttachmentStore() }),
      { name: 'EdxmlValidationError', issues: [{ path: 'attachments/0/content', message }] },
      content,
    );
  }
});
