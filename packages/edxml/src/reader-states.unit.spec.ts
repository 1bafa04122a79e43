import t, { type Test } from 'tap';
import { Readable } from 'node:stream';
import { memoryAttachmentStore } from './attachments.js';
import { EdxmlError, EdxmlValidationError } from './errors.js';
import type { EdxmlDocument } from './model.js';
import { parseEdxml } from './parse.js';
import { renderEdxml } from './render.js';
import { chunked, fixture, minimalHeader } from './test/fixtures.js';

// The streaming reader's states (markup, attachment content, its closing tag) against every
// nesting and ordering it does not expect: each is a named EdxmlError, never a crash, and the
// same whatever the slicing of the input.

const A = '<edXML:ContentTransferEncoded>';
const Z = '</edXML:ContentTransferEncoded>';

/** A small valid package with two attachments, rendered canonically. */
async function smallPackage(): Promise<string> {
  const store = memoryAttachmentStore();
  const document: EdxmlDocument = {
    header: minimalHeader('000.00.00.H41', '000.00.00.G22', '12'),
    traceHeaders: [],
    attachments: [
      { contentId: 'cid:1', name: 'a.txt', ...store.put(Buffer.from('tệp thứ nhất')) },
      { contentId: 'cid:2', name: 'b.txt', ...store.put(Buffer.from('tệp thứ hai, dài hơn một chút')) },
    ],
    variant: { namespaceStyle: 'prefixed', timestampFormat: 'yyyy/MM/dd', soapEnvelope: false },
  };
  return renderEdxml(document, { attachments: store });
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function outcome(xml: string, sizes: readonly number[]): Promise<Outcome> {
  const bytes = Buffer.from(xml);
  const store = memoryAttachmentStore();
  return parseEdxml(Readable.from(chunked(bytes, sizes)), { attachments: store }).then(
    (m) => ({ ok: true, value: { m, blobs: [...store.blobs.keys()].sort() } }),
    (error: unknown) => ({ ok: false, error }),
  );
}

const describe = (o: Outcome) => (o.ok ? 'accepted' : o.error instanceof Error ? `${o.error.name}: ${o.error.message}` : String(o.error));
const SLICINGS = [[1 << 30], [1], [7], [64], [5, 1, 3, 2, 11]] as const;

/** Parses in every slicing; all must agree, and a refusal must be an EdxmlError. */
async function judge(t: Test, label: string, xml: string): Promise<Outcome> {
  const first = await outcome(xml, SLICINGS[0]);
  if (!first.ok && !(first.error instanceof EdxmlError)) t.fail(`${label}: not a named error: ${describe(first)}`);
  for (const sizes of SLICINGS.slice(1)) {
    const other = await outcome(xml, sizes);
    if (first.ok && other.ok) {
      if (JSON.stringify(first.value) !== JSON.stringify(other.value)) t.fail(`${label}: another model in chunks of ${sizes[0]}`);
    } else if (describe(first) !== describe(other))
      t.fail(`${label}: in chunks of ${sizes[0]}: ${describe(other)}, whole: ${describe(first)}`);
  }
  return first;
}

const base = await smallPackage();
const status = fixture('status.edxml').toString('utf8');
const insertAfter = (xml: string, marker: string, what: string, nth = 1): string => {
  let at = -1;
  for (let k = 0; k < nth; k++) at = xml.indexOf(marker, at + 1);
  if (at === -1) throw new Error(`no ${marker}`);
  return xml.slice(0, at + marker.length) + what + xml.slice(at + marker.length);
};

t.test('the package used is accepted in every slicing', async (t) => {
  const o = await judge(t, 'base', base);
  t.ok(o.ok, describe(o));
});

t.test('every hostile shape is a named error with its path, in every slicing', async (t) => {
  const content = `${A}QUJD${Z}`;
  const path = 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded';
  const shapes: Record<string, [string, string | RegExp, RegExp]> = {
    'ContentTransferEncoded nested in another': [
      insertAfter(base, A, content),
      path,
      /element <edXML:ContentTransferEncoded> inside the content/,
    ],
    'nested after some content': [insertAfter(base, A, `dGVzdA==${content}`), path, /element <edXML:ContentTransferEncoded>/],
    'nested, the outer one in the second attachment': [
      insertAfter(base, A, content, 2),
      'edXML/AttachmentEncoded/Attachment[2]/ContentTransferEncoded',
      /attachment "b.txt" \(cid:2\): element/,
    ],
    'an empty element inside content': [insertAfter(base, A, '<x/>'), path, /element <x>/],
    'a processing instruction inside content': [insertAfter(base, A, '<?pi x?>'), path, /processing instruction/],
    'content directly under edXML': [
      insertAfter(base, '<edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">', content),
      'edXML/ContentTransferEncoded',
      /belongs only in AttachmentEncoded\/Attachment/,
    ],
    'content in the MessageHeader': [
      insertAfter(base, '<edXML:MessageHeader>', content),
      'edXML/edXMLEnvelope/edXMLHeader/MessageHeader/ContentTransferEncoded',
      /belongs only/,
    ],
    'an Attachment inside an Attachment': [
      insertAfter(
        base,
        '<edXML:Attachment>',
        `<edXML:Attachment><edXML:AttachmentName>x</edXML:AttachmentName>${content}</edXML:Attachment>`,
      ),
      'edXML/AttachmentEncoded/Attachment/Attachment/ContentTransferEncoded',
      /belongs only/,
    ],
    'two contents in one Attachment': [
      insertAfter(base, Z, content),
      'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded[2]',
      /attachment "a.txt" \(cid:1\): only one ContentTransferEncoded/,
    ],
    'a self-closing content out of place': [
      insertAfter(base, '<edXML:MessageHeader>', '<edXML:ContentTransferEncoded/>'),
      'edXML/edXMLEnvelope/edXMLHeader/MessageHeader/ContentTransferEncoded',
      /belongs only/,
    ],
    'an AttachmentEncoded inside an AttachmentEncoded': [
      insertAfter(
        base,
        '<edXML:AttachmentEncoded>',
        `<edXML:AttachmentEncoded><edXML:Attachment><edXML:AttachmentName>x</edXML:AttachmentName>${content}</edXML:Attachment></edXML:AttachmentEncoded>`,
      ),
      'edXML/AttachmentEncoded/AttachmentEncoded/Attachment/ContentTransferEncoded',
      /outside the message/,
    ],
    'a second AttachmentEncoded': [
      base.replace(
        '</edXML:edXML>',
        `<edXML:AttachmentEncoded><edXML:Attachment><edXML:AttachmentName>x</edXML:AttachmentName>${content}</edXML:Attachment></edXML:AttachmentEncoded></edXML:edXML>`,
      ),
      'edXML/AttachmentEncoded[2]',
      /only one is allowed/,
    ],
    'a second MessageHeader': [
      insertAfter(base, '</edXML:MessageHeader>', '<edXML:MessageHeader/>'),
      'edXML/edXMLEnvelope/edXMLHeader/MessageHeader[2]',
      /only one is allowed/,
    ],
    'attachments in a status message': [
      status.replace(
        '</edXML:edXMLEnvelope>',
        `</edXML:edXMLEnvelope><edXML:AttachmentEncoded><edXML:Attachment><edXML:AttachmentName>x</edXML:AttachmentName>${content}</edXML:Attachment></edXML:AttachmentEncoded>`,
      ),
      path,
      /a status message carries no attachments/,
    ],
  };
  for (const [label, [xml, expectedPath, message]] of Object.entries(shapes)) {
    t.not(xml, base, `${label}: the shape differs from the package`);
    const o = await judge(t, label, xml);
    if (o.ok) {
      t.fail(`${label}: accepted`);
      continue;
    }
    t.type(o.error, EdxmlValidationError, label);
    const issues = (o.error as EdxmlValidationError).issues ?? [];
    const issue = issues.find((i) => (typeof expectedPath === 'string' ? i.path === expectedPath : expectedPath.test(i.path)));
    t.ok(issue, `${label}: an issue at ${String(expectedPath)} (got ${JSON.stringify(issues)})`);
    t.match(issue?.message, message, `${label}: ${issue?.message}`);
  }
});

t.test('broken markup around content is a syntax error, not a crash', async (t) => {
  const shapes: Record<string, string> = {
    'content never closed': base.slice(0, base.indexOf(Z)),
    'content closed by another tag': base.replace(Z, '</edXML:Attachment>'),
    'an unterminated CDATA': insertAfter(base, A, '<![CDATA[QUJD'),
    'a dangling "&"': insertAfter(base, A, '&'),
    'a dangling "<"': base.slice(0, base.indexOf(Z) + 1),
  };
  for (const [label, xml] of Object.entries(shapes)) {
    const o = await judge(t, label, xml);
    t.notOk(o.ok, `${label}: refused`);
    t.type(!o.ok && o.error, EdxmlError, `${label}: ${describe(o)}`);
  }
});

/** A reproducible pseudo-random generator (tests must be repeatable). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

t.test('fuzzed nestings of the reader states: always a model or a named error, the same in every slicing', async (t) => {
  const tokens = [
    A,
    Z,
    '<edXML:ContentTransferEncoded/>',
    '<edXML:Attachment>',
    '</edXML:Attachment>',
    '<edXML:AttachmentEncoded>',
    '</edXML:AttachmentEncoded>',
    '<edXML:Status>',
    '</edXML:Status>',
    '<edXML:MessageHeader>',
    '</edXML:MessageHeader>',
    '<edXML:From>',
    '</edXML:From>',
    '<![CDATA[',
    ']]>',
    '&#x41;',
    '&#10;',
    '&amp;',
    '&',
    '<',
    '>',
    '=',
    'QQ==',
    'QUJD',
    '\u0000',
    '\u0001',
    '<!--',
    '-->',
    '<?x?>',
    '<x/>',
    '</x>',
    '"',
    ' a="b"',
  ];
  const random = rng(20261130);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const counts = { accepted: 0, refused: 0 };
  for (let n = 0; n < 150; n++) {
    let xml = base;
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * xml.length);
      xml = random() < 0.8 ? xml.slice(0, at) + pick(tokens) + xml.slice(at) : xml.slice(0, at) + xml.slice(at + Math.floor(random() * 40));
    }
    const o = await judge(t, `mutant ${n}`, xml);
    counts[o.ok ? 'accepted' : 'refused']++;
  }
  t.ok(counts.refused > 100, `mostly refused (${counts.refused} refused, ${counts.accepted} accepted), each a named error`);
});
