import t from 'tap';
import { memoryAttachmentStore } from './attachments.js';
import type { EdxmlMessage } from './build.js';
import { parseEdxml } from './parse.js';
import { renderEdxml, renderEdxmlStream, renderStatus } from './render.js';
import { realFixtures, fixture } from './test/fixtures.js';
import { toDayFirst, toDefaultNamespace } from './test/variants.js';

// How the sender wrote the message (variant, and content that was not base64) is not rendered:
// the hub emits the canonical form, stored bytes as base64.
const model = (m: EdxmlMessage) => {
  const { variant: _v, ...rest } = m.kind === 'document' ? m.document : m.status;
  if (!('attachments' in rest)) return rest;
  return { ...rest, attachments: rest.attachments.map(({ notBase64: _n, ...a }) => a) };
};

t.test('parse → render → parse gives the same model for every fixture', async (t) => {
  for (const f of realFixtures()) {
    const store = memoryAttachmentStore();
    const first = await parseEdxml(f.bytes, { attachments: store });
    const xml = first.kind === 'document' ? await renderEdxml(first.document, { attachments: store }) : renderStatus(first.status);
    const second = await parseEdxml(xml, { attachments: store });
    t.same(model(second), model(first), f.name);
    t.same(second.warnings, [], `${f.name}: the canonical form needs no tolerance`);
    const v = second.kind === 'document' ? second.document.variant : second.status.variant;
    t.same(v, { namespaceStyle: 'prefixed', timestampFormat: 'yyyy/MM/dd', soapEnvelope: false, dialect: 'edxml' });
  }
});

t.test('the canonical form: explicit edXML prefix, yyyy/MM/dd timestamps, plain TraceHeaderList', async (t) => {
  const store = memoryAttachmentStore();
  const m = await parseEdxml(toDayFirst(toDefaultNamespace(fixture('edoc_revocation.edxml').toString('utf8'))), { attachments: store });
  if (m.kind !== 'document') return t.fail('document expected');
  t.equal(m.document.variant.namespaceStyle, 'default');
  const xml = await renderEdxml(m.document, {
    attachments: store,
    extraTraceHeader: { organId: '000.00.00.H40', timestamp: '2025-01-02T03:04:05Z' },
  });
  t.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<edXML:edXML xmlns:edXML="http:\/\/www.mic.gov.vn\/TBT\/QCVN_102_2016">/);
  t.notMatch(
    xml,
    /<(?!edXML:|\/edXML:|\?xml|\/?Signature|\/?SignedInfo|\/?Canonicalization|\/?SignatureMethod|\/?Reference |\/?Reference>|\/?Transform|\/?Digest|\/?SignatureValue|\/?KeyInfo|\/?X509)/,
    'every edXML element prefixed',
  );
  t.match(xml, /<edXML:TraceHeaderList>\n/, 'no attributes on TraceHeaderList, as the fixtures have none');
  t.match(xml, /<edXML:PromulgationDate>2018\/09\/28<\/edXML:PromulgationDate>/);
  t.match(
    xml,
    /<edXML:OrganId>000.00.00.H40<\/edXML:OrganId>\n\s*<edXML:Timestamp>2025\/01\/02 10:04:05<\/edXML:Timestamp>/,
    'the hub hop, in Vietnam time',
  );
  const again = await parseEdxml(xml, { attachments: store });
  if (again.kind !== 'document') return t.fail('document expected');
  t.equal(again.document.traceHeaders.length, 2);
  t.equal(again.document.traceHeaders[1]?.timestamp, '2025-01-02T10:04:05+07:00');
});

t.test('streaming render equals the string render and carries the attachment bytes', async (t) => {
  const store = memoryAttachmentStore();
  const m = await parseEdxml(fixture('gateway-2025-b.edxml'), { attachments: store });
  if (m.kind !== 'document') return t.fail('document expected');
  const chunks: Buffer[] = [];
  for await (const c of renderEdxmlStream(m.document, { attachments: store })) chunks.push(c as Buffer);
  const streamed = Buffer.concat(chunks).toString('utf8');
  t.equal(streamed, await renderEdxml(m.document, { attachments: store }));
  const fresh = memoryAttachmentStore();
  await parseEdxml(streamed, { attachments: fresh });
  const sha = m.document.attachments[0]!.sha256;
  t.same(fresh.blobs.get(sha), store.blobs.get(sha));
});

t.test('a document with attachments needs a source', async (t) => {
  const m = await parseEdxml(fixture('gateway-2025-a.edxml'), { attachments: memoryAttachmentStore() });
  if (m.kind !== 'document') return t.fail('document expected');
  await t.rejects(renderEdxml(m.document), /attachment source/);
  await t.rejects(renderEdxml(m.document, { attachments: memoryAttachmentStore() }), /not found/);
});

t.test('status rendering escapes text and appends the hub hop', async (t) => {
  const m = await parseEdxml(fixture('status_rejection_02.edxml'), { attachments: memoryAttachmentStore() });
  if (m.kind !== 'status') return t.fail('status expected');
  const status = { ...m.status, description: 'Từ chối: thiếu <chữ ký> & dấu' };
  const xml = renderStatus(status, { extraTraceHeader: { organId: '000.00.00.H40', timestamp: '2025-06-01T08:00:00+07:00' } });
  t.match(xml, /thiếu &lt;chữ ký&gt; &amp; dấu/);
  const back = await parseEdxml(xml, { attachments: memoryAttachmentStore() });
  if (back.kind !== 'status') return t.fail('status expected');
  t.equal(back.status.description, status.description);
  t.same(back.status.traceHeaders, [{ organId: '000.00.00.H40', timestamp: '2025-06-01T08:00:00+07:00' }]);
});
