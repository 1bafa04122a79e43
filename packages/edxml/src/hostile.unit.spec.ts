import t from 'tap';
import { memoryAttachmentStore } from './attachments.js';
import type { AttachmentSink } from './attachments.js';
import { EdxmlEncodingError, EdxmlRefusedError, EdxmlSyntaxError, EdxmlValidationError } from './errors.js';
import { parseEdxml } from './parse.js';
import type { ParseOptions } from './parse.js';
import { fixture } from './test/fixtures.js';

const NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
const parse = (input: Buffer | string, options: Partial<ParseOptions> = {}) =>
  parseEdxml(input, { attachments: memoryAttachmentStore(), ...options });

t.test('DOCTYPE with an external entity is refused', async (t) => {
  const xxe = `<?xml version="1.0"?>\n<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<edXML xmlns="${NS}">&xxe;</edXML>`;
  await t.rejects(parse(xxe), { name: 'EdxmlRefusedError', reason: 'doctype', message: /DOCTYPE/ });
});

t.test('billion laughs is refused before any expansion', async (t) => {
  let dtd = '<!ENTITY lol0 "lol">';
  for (let i = 1; i < 10; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [${dtd}]><edXML xmlns="${NS}">&lol9;</edXML>`;
  const started = Date.now();
  await t.rejects(parse(bomb), EdxmlRefusedError);
  t.ok(Date.now() - started < 1000, 'quickly');
});

t.test('an entity without a DOCTYPE is a syntax error', async (t) => {
  await t.rejects(parse(`<edXML xmlns="${NS}">&nope;</edXML>`), EdxmlSyntaxError);
});

t.test('deep nesting is refused', async (t) => {
  const deep = `<edXML xmlns="${NS}">${'<a>'.repeat(100)}${'</a>'.repeat(100)}</edXML>`;
  await t.rejects(parse(deep), { name: 'EdxmlRefusedError', reason: 'depth' });
});

t.test('too many elements are refused', async (t) => {
  const many = `<edXML xmlns="${NS}">${'<a/>'.repeat(100_001)}</edXML>`;
  await t.rejects(parse(many), { name: 'EdxmlRefusedError', reason: 'elements' });
});

t.test('too many attributes are refused', async (t) => {
  const attrs = Array.from({ length: 100 }, (_, i) => `a${i}="x"`).join(' ');
  await t.rejects(parse(`<edXML xmlns="${NS}"><x ${attrs}/></edXML>`), { name: 'EdxmlRefusedError', reason: 'attributes' });
});

t.test('an oversized text node outside attachments is refused', async (t) => {
  const big = `<edXML xmlns="${NS}"><Subject>${'x'.repeat((1 << 20) + 10)}</Subject></edXML>`;
  await t.rejects(parse(big), { name: 'EdxmlRefusedError', reason: 'text' });
  await t.rejects(parse(`<edXML xmlns="${NS}">${'<a>x</a>'.repeat(2000)}</edXML>`, { limits: { maxMarkupLength: 10_000 } }), {
    name: 'EdxmlRefusedError',
    reason: 'markup',
  });
});

t.test('malformed XML reports line and column', async (t) => {
  const err = (await parse(`<?xml version="1.0"?>\n<edXML xmlns="${NS}">\n  <a>\n</edXML>`).catch((e: unknown) => e)) as EdxmlSyntaxError;
  t.type(err, EdxmlSyntaxError);
  t.equal(err.line, 4);
  t.ok((err.column ?? 0) > 0);
  t.match(err.message, /line 4/);
});

t.test('a truncated package is a syntax error and the half-written attachment is aborted', async (t) => {
  const bytes = fixture('edoc_update.edxml');
  let aborted = 0;
  let ended = 0;
  const inner = memoryAttachmentStore();
  const sink: AttachmentSink = {
    async begin(meta) {
      const w = await inner.begin(meta);
      return {
        write: (c) => w.write(c),
        end: () => {
          ended++;
          return w.end();
        },
        abort: async () => {
          aborted++;
        },
      };
    },
  };
  await t.rejects(parse(bytes.subarray(0, Math.floor(bytes.length / 2)), { attachments: sink }), EdxmlSyntaxError);
  t.equal(aborted, 1, 'the one writer of the content is aborted');
  t.equal(ended, 0);
  await t.rejects(parse(bytes.subarray(0, 3000)), EdxmlSyntaxError, 'cut in the header');
});

t.test('encodings', async (t) => {
  const status = fixture('status_inbox_01.edxml').toString('utf8');
  await t.rejects(parse(Buffer.from(status.replace('UTF-8', 'ISO-8859-1'), 'latin1')), {
    name: 'EdxmlEncodingError',
    message: /unsupported encoding "iso-8859-1"/,
  });
  const invalidUtf8 = Buffer.concat([Buffer.from(status.slice(0, 500)), Buffer.from([0xc3, 0x28]), Buffer.from(status.slice(500))]);
  await t.rejects(parse(invalidUtf8), EdxmlEncodingError);
  await t.rejects(parse(Buffer.from(status.replace('UTF-8', 'UTF-16'), 'utf16le')), {
    name: 'EdxmlEncodingError',
    message: /byte order mark/,
  });
  const be = Buffer.from(status.replace('UTF-8', 'UTF-16'), 'utf16le').swap16();
  const m = await parse(Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
  t.equal(m.kind, 'status', 'UTF-16BE with a BOM');
  const bom = await parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(status)]));
  t.equal(bom.kind, 'status', 'UTF-8 with a BOM');
});

t.test('not XML at all', async (t) => {
  await t.rejects(parse(''), EdxmlSyntaxError);
  await t.rejects(parse('{"header": {"from": "<x>"}}'), EdxmlSyntaxError);
  const pdf = await parse(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj', 'latin1')).catch((e: unknown) => e);
  t.ok(pdf instanceof EdxmlSyntaxError || pdf instanceof EdxmlEncodingError, 'a PDF is refused');
  await t.rejects(parse('just words, no markup'), { name: 'EdxmlSyntaxError', message: /not XML/ });
  await t.rejects(parse(`<edXML xmlns="${NS}"></edXML><second/>`), EdxmlSyntaxError);
  await t.rejects(parse(`<edXML xmlns="${NS}"/>`), EdxmlValidationError, 'well-formed but empty');
});
