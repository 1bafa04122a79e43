import t from 'tap';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { memoryAttachmentStore } from './attachments.js';
import { EdxmlValidationError } from './errors.js';
import type { EdxmlMessage } from './build.js';
import type { EdxmlDocument, EdxmlStatus } from './model.js';
import { parseEdxml } from './parse.js';
import { EDOC_PLACEHOLDER, fixture, realFixtures } from './test/fixtures.js';
import { toDayFirst, toDefaultNamespace, toSoap, toUtf16 } from './test/variants.js';

const parse = (input: Buffer | string | Readable): Promise<EdxmlMessage> => parseEdxml(input, { attachments: memoryAttachmentStore() });

async function doc(input: Buffer | string): Promise<EdxmlDocument> {
  const m = await parse(input);
  if (m.kind !== 'document') throw new Error('expected a document');
  return m.document;
}
async function status(input: Buffer | string): Promise<EdxmlStatus> {
  const m = await parse(input);
  if (m.kind !== 'status') throw new Error('expected a status');
  return m.status;
}
/** edoc.edxml with its JMeter placeholder filled with real base64, as its sender meant it. */
const filledEdoc = (): string =>
  fixture('edoc.edxml').toString('utf8').replace(EDOC_PLACEHOLDER, Buffer.from('nội dung test.txt').toString('base64'));

const withoutVariant = <T extends { variant: unknown }>(m: T): Omit<T, 'variant'> => {
  const { variant: _v, ...rest } = m;
  return rest;
};

t.test('every real fixture parses', async (t) => {
  for (const f of realFixtures()) {
    const m = await parse(f.bytes);
    t.equal(m.kind, f.name.startsWith('status') ? 'status' : 'document', f.name);
  }
});

t.test('document fields, non-conforming ids and attachments', async (t) => {
  const store = memoryAttachmentStore();
  const m = await parseEdxml(fixture('edoc_new.edxml'), { attachments: store });
  t.equal(m.kind, 'document');
  if (m.kind !== 'document') return;
  const d = m.document;
  t.match(
    m.warnings,
    [{ code: 'text-before-xml-declaration', message: /before the XML declaration/ }],
    'the leading "1212" is dropped with a warning',
  );
  t.equal(d.header.from.organId, '002.00.20.H13');
  t.same(
    d.header.to.map((o) => o.organId),
    ['28.22.H17'],
  );
  t.same(d.header.code, { codeNumber: '74fass22', codeNotation: 'VPCP-TTĐT' });
  t.same(d.header.promulgationInfo, { place: 'Hà Nội', promulgationDate: '2019-01-16' });
  t.same(d.header.documentType, { type: 1, typeDetail: 0, typeName: 'Công văn' });
  t.equal(d.header.dueDate, '2018-09-28');
  t.same(d.header.toPlaces, ['Cac bo va co quan ngang bo', 'Uy ban nhan dan cac tinh, TP']);
  t.equal(d.header.otherInfo.priority, 0);
  t.equal(d.header.otherInfo.direction, false);
  t.equal(d.header.steeringType, 1);
  t.same(d.traceHeaders, [{ organId: '000.00.00.G22', timestamp: '2018-09-28T00:00:00+07:00' }]);
  t.equal(d.business?.docType, 0);
  t.equal(d.business?.staffInfo?.staff, 'Nguyễn Thị Ngọc Trâm');
  t.equal(d.attachments.length, 1);
  const a = d.attachments[0]!;
  t.match(a, { contentId: 'cid:209', name: '1896_QD-TTg_m_294779.doc', contentType: 'application/zip' });
  const bytes = store.blobs.get(a.sha256)!;
  t.equal(bytes.length, a.size);
  t.equal(createHash('sha256').update(bytes).digest('hex'), a.sha256);
  t.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'the zip arrives decoded');
  t.equal(d.signature?.present, true);
  t.equal(d.signature?.x509Certificate, 'MIIFqTCCBJG');
  t.same(
    d.variant,
    {
      namespaceStyle: 'mixed',
      timestampFormat: 'yyyy/MM/dd',
      soapEnvelope: false,
      dialect: 'edxml',
      tolerated: ['ignored 4 characters before the XML declaration'],
    },
    'the tolerated irregularity is recorded with the model',
  );
});

t.test('gateway traffic: vxp.saas.03, hops without OrganId, no signature', async (t) => {
  const d = await doc(fixture('gateway-2025-b.edxml'));
  t.equal(d.header.from.organId, 'vxp.saas.03');
  t.equal(d.header.otherInfo.priority, 1);
  t.same(d.header.otherInfo.appendixes, ['Phụ lục 1', 'Phụ lục 2']);
  t.same(d.traceHeaders, [{ organId: 'null', timestamp: '2025-10-23T15:46:18+07:00' }, { timestamp: '2025-10-23T15:46:19+07:00' }]);
  t.equal(d.signature, undefined);
  t.equal(d.business, undefined);
});

t.test('BussinessDocType 1, 2 and 3', async (t) => {
  const revoke = await doc(fixture('edoc_revocation.edxml'));
  t.equal(revoke.business?.docType, 1);
  t.same(
    revoke.header.responseFor.map((r) => r.organId),
    ['000.00.00.H14'],
  );
  const update = await doc(fixture('edoc_update.edxml'));
  t.equal(update.business?.docType, 2);
  t.equal(update.business?.documentId, '000.00.00.G22,2014/02/30,7806/VPCP-TTĐT');
  t.same(update.business?.documentInfo?.receivers, [
    { organId: '000.00.00.H41', receiverType: '0' },
    { organId: '000.00.00.H14', receiverType: '1' },
  ]);
  const replace = await doc(fixture('edoc_replacement.edxml'));
  t.equal(replace.business?.docType, 3);
  t.equal(replace.business?.replacementInfoList.length, 2);
  t.same(replace.business?.replacementInfoList[0]?.organIds, ['000.00.00.H41', '000.00.00.H14']);
  t.equal(replace.header.to.length, 3);
});

t.test(
  'edoc.edxml: placeholder content stored as sent, with a warning; empty ResponseFor dropped and undeclared prefixes tolerated',
  async (t) => {
    const store = memoryAttachmentStore();
    const m = await parseEdxml(fixture('edoc.edxml'), { attachments: store });
    if (m.kind !== 'document') return t.fail('document expected');
    t.same(m.document.header.responseFor, []);
    t.equal(m.document.header.documentId, '9fbfbad2-f1f8-4256-a2eb-50fb1061cddb');
    const a = m.document.attachments[0]!;
    t.equal(a.description, 'Description 1', 'description from the manifest');
    t.same(store.blobs.get(a.sha256), Buffer.from(EDOC_PLACEHOLDER, 'utf8'), 'the placeholder text, exactly as sent');
    t.equal(a.size, EDOC_PLACEHOLDER.length);
    t.equal(a.notBase64, true, 'the attachment is marked');
    t.equal(store.blobs.size, 1, 'nothing else stored');
    t.match(m.warnings, [
      {
        code: 'attachment-not-base64',
        attachment: 'cid:36b8a92e-f054-11e7-842b-005056b672fc',
        message: /attachment "GUIDE_INSTALL OPENVPN.SIGNED.PDF".*not base64 \(character "\$" at position 1\).*stored as sent/,
      },
    ]);
    t.ok(m.warnings.some((w) => w.code === 'undeclared-prefix' && /prefix "edXML"/.test(w.message)));
    t.same(
      m.document.variant.tolerated,
      m.warnings.map((w) => w.message),
      'every warning is recorded in the variant',
    );

    const filled = await parse(filledEdoc());
    if (filled.kind !== 'document') return t.fail('document expected');
    t.equal(filled.document.attachments[0]?.size, Buffer.byteLength('nội dung test.txt'), 'filled with base64, it is decoded');
    t.equal(filled.document.attachments[0]?.notBase64, undefined);
    t.notOk(filled.warnings.some((w) => w.code === 'attachment-not-base64'));
  },
);

t.test('every status code fixture', async (t) => {
  const expected: Record<string, string> = {
    'status_inbox_01.edxml': '01',
    'status_rejection_02.edxml': '02',
    'status_acceptance_03.edxml': '03',
    'status_assignment_04.edxml': '04',
    'status_processing_05.edxml': '05',
    'status_finish_06.edxml': '06',
    'status_cancellation_13.edxml': '13',
    'status_change-acceptance_15.edxml': '15',
    'status_change-rejection_16.edxml': '16',
  };
  for (const [name, code] of Object.entries(expected)) {
    const s = await status(fixture(name));
    t.equal(s.statusCode, code, name);
  }
  const s = await status(fixture('status.edxml'));
  t.same(s.responseFor, {
    organId: '000.00.00.G22',
    code: '7816/VPCP-TTĐT',
    documentId: '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT',
    promulgationDate: '2018-09-28',
  });
  t.equal(s.timestamp, '2018-09-28T17:25:11+07:00');
  t.equal(s.staffInfo?.mobile, '84912000001');
});

t.test('variants rewritten from fixtures give the same model and record the variant', async (t) => {
  for (const name of ['edoc_replacement.edxml', 'gateway-2025-a.edxml', 'status_finish_06.edxml']) {
    const original = fixture(name).toString('utf8');
    const base = await parse(original);
    const model = (m: EdxmlMessage) => (m.kind === 'document' ? m.document : m.status);

    const dflt = model(await parse(toDefaultNamespace(original)));
    t.same(withoutVariant(dflt), withoutVariant(model(base)), `${name}: default namespace`);
    t.equal(dflt.variant.namespaceStyle, 'default');

    const dayFirst = model(await parse(toDayFirst(original)));
    t.same(withoutVariant(dayFirst), withoutVariant(model(base)), `${name}: dd/MM/yyyy`);
    t.equal(dayFirst.variant.timestampFormat, 'dd/MM/yyyy');

    const soap = model(await parse(toSoap(original)));
    t.same(withoutVariant(soap), withoutVariant(model(base)), `${name}: SOAP`);
    t.equal(soap.variant.soapEnvelope, true);

    const utf16 = model(await parse(toUtf16(original)));
    t.same(withoutVariant(utf16), withoutVariant(model(base)), `${name}: UTF-16`);
    t.equal(model(base).variant.namespaceStyle, 'mixed');
  }
});

t.test('streams, buffers and strings give the same model', async (t) => {
  const bytes = fixture('edoc_update.edxml');
  const fromBuffer = await doc(bytes);
  // Odd-sized chunks split multi-byte characters, tags and base64 groups.
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 997) chunks.push(bytes.subarray(i, i + 997));
  const fromStream = await parse(Readable.from(chunks));
  t.same(fromStream.kind === 'document' && fromStream.document, fromBuffer);
  t.same(await doc(bytes.toString('utf8')), fromBuffer);
});

t.test('validation errors name every failing path', async (t) => {
  const bad = fixture('status_acceptance_03.edxml')
    .toString('utf8')
    .replace(/<edXML:OrganId>000.00.00.H41<\/edXML:OrganId>/, '')
    .replace('<edXML:StatusCode>03<', '<edXML:StatusCode>99<')
    .replace('2015/09/20 11:08:36', '2015/13/45 11:08:36');
  const err = await parse(bad).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, EdxmlValidationError);
  const issues = (err as EdxmlValidationError).issues;
  const paths = issues.map((i) => i.path);
  t.ok(paths.includes('edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganId'), 'missing From/OrganId');
  t.ok(paths.includes('edXML/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode'), 'bad status code');
  t.ok(paths.includes('edXML/edXMLEnvelope/edXMLHeader/MessageHeader/Timestamp'), 'bad timestamp');
  t.equal(issues.length, 3);

  const badDoc = fixture('edoc_replacement.edxml')
    .toString('utf8')
    .replace('<edXML:Priority>0<', '<edXML:Priority>7<')
    .replace('<edXML:PromulgationDate>2018/09/28<', '<edXML:PromulgationDate>2018/02/30<')
    .replace(/<edXML:Subject>[^<]*<\/edXML:Subject>/, '')
    .replace(/<edXML:OrganId>000.00.00.H14<\/edXML:OrganId>(\s+<edXML:OrganizationInCharge>)/, '<edXML:OrganId></edXML:OrganId>$1')
    .replace('<edXML:BussinessDocType>3<', '<edXML:BussinessDocType>9<');
  const err2 = (await parse(badDoc).catch((e: unknown) => e)) as EdxmlValidationError;
  t.type(err2, EdxmlValidationError);
  const mh = 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader';
  t.same(
    err2.issues.map((i) => i.path).sort(),
    [
      `${mh}/OtherInfo/Priority`,
      `${mh}/PromulgationInfo/PromulgationDate`,
      `${mh}/Subject`,
      `${mh}/To[2]/OrganId`,
      'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType',
    ].sort(),
  );
  t.match(err2.message, /invalid edXML/);
});

t.test('the root must be edXML in the QCVN 102 namespace', async (t) => {
  await t.rejects(parse('<edXML><x/></edXML>'), EdxmlValidationError);
  const err = (await parse('<?xml version="1.0"?><root xmlns="urn:x"/>').catch((e: unknown) => e)) as EdxmlValidationError;
  t.match(err.issues, [{ path: 'root', message: /must be edXML/ }]);
});

t.test('beforeAttachments: the sender is known, and can be refused, before any attachment is stored', async (t) => {
  const xml = fixture('edoc.edxml');
  const seen: Array<string | null> = [];
  const store = memoryAttachmentStore();
  await parseEdxml(xml, { attachments: store, beforeAttachments: (sender) => void seen.push(sender) });
  t.same(seen, ['002.00.20.H13'], 'called once, with MessageHeader/From/OrganId');
  t.ok(store.blobs.size > 0);

  const refusing = memoryAttachmentStore();
  const refusal = new Error('not yours');
  await t.rejects(
    parseEdxml(xml, { attachments: refusing, beforeAttachments: () => Promise.reject(refusal) }),
    refusal,
    'the refusal is what parseEdxml throws',
  );
  t.equal(refusing.blobs.size, 0, 'nothing reached the sink');

  const statusSeen: Array<string | null> = [];
  await parseEdxml(fixture('status.edxml'), { attachments: memoryAttachmentStore(), beforeAttachments: (s) => void statusSeen.push(s) });
  t.same(statusSeen, [], 'a message without attachments never calls it');

  // decoys: the gate must see the sender the built message has
  const text = xml.toString('utf8');
  const decoys = {
    'a From under a foreign MessageHeader': text.replace(
      /<edXML:edXMLBody/,
      '<x:MessageHeader xmlns:x="urn:x"><edXML:From><edXML:OrganId>MINE</edXML:OrganId></edXML:From></x:MessageHeader><edXML:edXMLBody',
    ),
    'a foreign OrganId first': text.replace(
      '<edXML:OrganId>002.00.20.H13</edXML:OrganId>',
      '<x:OrganId xmlns:x="urn:x">MINE</x:OrganId><edXML:OrganId>002.00.20.H13</edXML:OrganId>',
    ),
    'a second MessageHeader': text.replace(
      /(<\/edXML:MessageHeader>)/,
      '$1<edXML:MessageHeader><edXML:From><edXML:OrganId>MINE</edXML:OrganId></edXML:From></edXML:MessageHeader>',
    ),
  };
  for (const [name, decoy] of Object.entries(decoys)) {
    t.not(decoy, text, `${name}: the variant differs`);
    const gate: Array<string | null> = [];
    const parsed = await parseEdxml(decoy, { attachments: memoryAttachmentStore(), beforeAttachments: (s) => void gate.push(s) }).catch(
      () => null,
    );
    t.same(gate, ['002.00.20.H13'], `${name}: the gate sees the real sender`);
    if (parsed?.kind === 'document') t.equal(parsed.document.header.from.organId, '002.00.20.H13', `${name}: as the built message does`);
  }
});
