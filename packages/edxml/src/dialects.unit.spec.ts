import t from 'tap';
import { memoryAttachmentStore } from './attachments.js';
import type { EdxmlMessage } from './build.js';
import { DIALECTS } from './dialects.js';
import { EdxmlValidationError } from './errors.js';
import { parseEdxml } from './parse.js';
import { renderStatus } from './render.js';
import { fixture, handmade } from './test/fixtures.js';
import { toSoap } from './test/variants.js';

const parse = (input: Buffer | string): Promise<EdxmlMessage> => parseEdxml(input, { attachments: memoryAttachmentStore() });
const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const header = handmade('status-soap-header.edxml').toString('utf8');

async function refusal(xml: string): Promise<EdxmlValidationError> {
  const err = await parse(xml).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof EdxmlValidationError)) throw new Error(`expected a validation error, got ${String(err)}`);
  return err;
}

t.test('C# provincial gateways: Status in the SOAP Header, edXML: bound to the SOAP namespace, dd/MM/yyyy HH:mm:ss', async (t) => {
  const m = await parse(header);
  if (m.kind !== 'status') return t.fail('status expected');
  const original = await parse(fixture('status.edxml'));
  if (original.kind !== 'status') return t.fail('status expected');
  const { variant, traceHeaders, ...rest } = m.status;
  const { variant: _v, traceHeaders: _th, ...expected } = original.status;
  t.same(rest, expected, 'the same status as the real sample it was made from');
  t.equal(m.status.timestamp, '2018-09-28T17:25:11+07:00', 'a time without a zone is Vietnam time');
  t.same(traceHeaders, [{ organId: '000.00.00.H41', timestamp: '2018-09-28T17:25:12+07:00' }]);
  t.same(
    variant,
    { namespaceStyle: 'prefixed', timestampFormat: 'dd/MM/yyyy', soapEnvelope: true, dialect: 'soap-header-status' },
    'the variant recorded',
  );
  t.same(m.warnings, []);
  const canonical = await parse(renderStatus(m.status));
  t.equal(canonical.kind === 'status' && canonical.status.variant.dialect, 'edxml', 'rendered in the canonical form');
});

t.test('the same Status with edXML: undeclared or bound to QCVN 102 is read too', async (t) => {
  const undeclared = header.replace(` xmlns:edXML="${SOAP}"`, '');
  const m = await parse(undeclared);
  t.equal(m.kind === 'status' && m.status.variant.dialect, 'soap-header-status');
  t.match(m.warnings, [{ code: 'undeclared-prefix', message: /prefix "edXML"/ }]);
  const qcvn = header.replace(` xmlns:edXML="${SOAP}"`, ' xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"');
  t.equal((await parse(qcvn)).kind, 'status');
});

t.test('every dialect is named in the table, and the known ones are recorded', async (t) => {
  t.same(
    DIALECTS.map((d) => d.name),
    ['edxml', 'soap-body', 'soap-header-status'],
  );
  const plain = await parse(fixture('status.edxml'));
  const body = await parse(toSoap(fixture('status.edxml').toString('utf8')));
  t.equal(plain.kind === 'status' && plain.status.variant.dialect, 'edxml');
  t.equal(body.kind === 'status' && body.status.variant.dialect, 'soap-body');
});

t.test('what is not edXML is still refused, naming why', async (t) => {
  const cases: Record<string, [string, string, RegExp]> = {
    'a SOAP envelope with something else': [
      `<soap:Envelope xmlns:soap="${SOAP}"><soap:Header><x:Auth xmlns:x="urn:x"/></soap:Header><soap:Body><x:Ping xmlns:x="urn:x"/></soap:Body></soap:Envelope>`,
      'Envelope',
      /no edXML message in the SOAP envelope: looked for edXML in the SOAP Body, or Status in the SOAP Header \(or in the envelope's namespace\)/,
    ],
    'a Status in a foreign namespace': [
      header.replace(`<edXML:Status>`, '<edXML:Status xmlns:edXML="urn:vendor">'),
      'Envelope',
      /no edXML message/,
    ],
    'a Status in the Body': [
      header.replace('<soap:Header>', '<soap:Header/><soap:Body>').replace('</soap:Header>', '</soap:Body>').replace('<soap:Body />', ''),
      'Envelope',
      /no edXML message/,
    ],
    'two Status in the Header': [
      header.replace('</edXML:Status>', '</edXML:Status><edXML:Status/>'),
      'Envelope/Header/Status',
      /a second Status/,
    ],
    'a Status and an edXML in one envelope': [
      header.replace(
        '<soap:Body />',
        `<soap:Body>${fixture('status.edxml')
          .toString('utf8')
          .replace(/^<\?xml[^>]*>/, '')}</soap:Body>`,
      ),
      'Envelope/Header/Status',
      /one message per envelope/,
    ],
    'a document in the header dialect': [
      header.replace(/<edXML:StatusCode>01<\/edXML:StatusCode>/, ''),
      'Envelope/Header/Status/MessageHeader/StatusCode',
      /carries status messages only/,
    ],
    'a Status with no MessageHeader': [
      header.replace(/<edXML:MessageHeader>[\s\S]*<\/edXML:MessageHeader>/, ''),
      'Envelope/Header/Status/MessageHeader',
      /required element is missing/,
    ],
    'a time in no known format': [
      header.replace('28/09/2018 17:25:11', '2018.09.28 17:25:11'),
      'Envelope/Header/Status/MessageHeader/Timestamp',
      /not a timestamp/,
    ],
    'a foreign root': ['<?xml version="1.0"?><root xmlns="urn:x"/>', 'root', /must be edXML .* or a SOAP Envelope/],
  };
  for (const [label, [xml, path, message]] of Object.entries(cases)) {
    const err = await refusal(xml);
    const issue = err.issues.find((i) => i.path === path);
    t.ok(issue, `${label}: an issue at ${path} (got ${JSON.stringify(err.issues)})`);
    t.match(issue?.message, message, label);
  }
});
