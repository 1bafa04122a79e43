import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { memoryAttachmentStore } from './attachments.js';
import { EdxmlValidationError } from './errors.js';
import { documentFromJson, statusFromJson } from './json.js';
import { documentJsonSchema, statusJsonSchema } from './json-schema.js';
import { EdxmlDocument, EdxmlDocumentJson, EdxmlStatus, EdxmlStatusJson } from './model.js';
import { parseEdxml } from './parse.js';
import { realFixtures } from './test/fixtures.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schemasDir = fileURLToPath(new URL('../../../schemas/', import.meta.url));
const committed = (name: string): unknown => JSON.parse(readFileSync(`${schemasDir}${name}`, 'utf8'));

const ajv = addFormats(new Ajv({ allErrors: true }));
const validateDocument = ajv.compile(committed('edxml-document.schema.json') as object);
const validateStatus = ajv.compile(committed('edxml-status.schema.json') as object);

t.test('the committed schemas are the ones generated from the zod model', async (t) => {
  t.same(committed('edxml-document.schema.json'), documentJsonSchema(), 'run packages/edxml/scripts/write-schemas.ts');
  t.same(committed('edxml-status.schema.json'), statusJsonSchema());
});

const parsed = await Promise.all(
  realFixtures().map(async (f) => ({ name: f.name, message: await parseEdxml(f.bytes, { attachments: memoryAttachmentStore() }) })),
);

t.test('zod and the JSON Schema accept every fixture model', async (t) => {
  for (const { name, message } of parsed) {
    const json = JSON.parse(JSON.stringify(message.kind === 'document' ? message.document : message.status)) as unknown;
    if (message.kind === 'document') {
      t.ok(validateDocument(json), `${name} (ajv) ${ajv.errorsText(validateDocument.errors)}`);
      t.ok(EdxmlDocument.safeParse(json).success, `${name} (zod model)`);
      t.ok(EdxmlDocumentJson.safeParse(json).success, `${name} (zod JSON form)`);
    } else {
      t.ok(validateStatus(json), `${name} (ajv) ${ajv.errorsText(validateStatus.errors)}`);
      t.ok(EdxmlStatus.safeParse(json).success, `${name} (zod model)`);
      t.ok(EdxmlStatusJson.safeParse(json).success, `${name} (zod JSON form)`);
    }
  }
});

t.test('zod and the JSON Schema reject the same broken models', async (t) => {
  const base = parsed.find((p) => p.name === 'gateway-2025-b.edxml')!.message;
  if (base.kind !== 'document') return t.fail('document expected');
  const doc = JSON.parse(JSON.stringify(base.document)) as Record<string, any>;
  const broken: Record<string, (d: Record<string, any>) => void> = {
    'priority 5': (d) => (d.header.otherInfo.priority = 5),
    'no recipients': (d) => (d.header.to = []),
    'edXML date instead of ISO': (d) => (d.header.promulgationInfo.promulgationDate = '2025/10/20'),
    'BussinessDocType 4': (d) => (d.business = { docType: 4, replacementInfoList: [] }),
    'attachment without content or sha256': (d) => (d.attachments = [{ name: 'a.pdf' }]),
    'bad sha256': (d) => (d.attachments[0].sha256 = 'XYZ'),
    'empty subject': (d) => (d.header.subject = ''),
    'timestamp without offset': (d) => (d.traceHeaders[0].timestamp = '2025-10-23T15:46:18'),
  };
  for (const [label, breakIt] of Object.entries(broken)) {
    const copy = structuredClone(doc);
    breakIt(copy);
    t.notOk(validateDocument(copy), `${label} (ajv)`);
    t.notOk(EdxmlDocumentJson.safeParse(copy).success, `${label} (zod)`);
  }
  const status = parsed.find((p) => p.name === 'status.edxml')!.message;
  if (status.kind !== 'status') return t.fail('status expected');
  const s = { ...JSON.parse(JSON.stringify(status.status)), statusCode: '07' };
  t.notOk(validateStatus(s));
  t.notOk(EdxmlStatusJson.safeParse(s).success);
});

t.test('documentFromJson stores base64 content and accepts stored sha256 references', async (t) => {
  const base = parsed.find((p) => p.name === 'gateway-2025-a.edxml')!.message;
  if (base.kind !== 'document') return t.fail('document expected');
  const store = memoryAttachmentStore();
  const existing = store.put(Buffer.from('already here'));
  const { variant: _v, ...rest } = base.document;
  const body = {
    ...rest,
    attachments: [
      { name: 'hello.txt', contentType: 'text/plain', content: Buffer.from('xin chào').toString('base64') },
      { name: 'old.txt', sha256: existing.sha256 },
    ],
  };
  t.ok(validateDocument(body), ajv.errorsText(validateDocument.errors));
  const d = await documentFromJson(body, {
    attachments: store,
    stored: async (sha) => (store.blobs.has(sha) ? { size: store.blobs.get(sha)!.length } : undefined),
  });
  t.equal(d.attachments[0]?.size, Buffer.byteLength('xin chào'));
  t.equal(store.blobs.get(d.attachments[0]!.sha256)?.toString('utf8'), 'xin chào');
  t.same(d.attachments[1], { name: 'old.txt', sha256: existing.sha256, size: existing.size });
  t.equal(d.variant.namespaceStyle, 'prefixed');
  const missing = await documentFromJson(
    { ...body, attachments: [{ name: 'x', sha256: 'a'.repeat(64) }] },
    { attachments: store, stored: async () => undefined },
  ).catch((e: unknown) => e);
  t.match((missing as EdxmlValidationError).issues, [{ path: 'attachments/0/sha256' }]);
  await t.rejects(documentFromJson({ ...body, header: { ...body.header, to: [] } }, { attachments: store }), EdxmlValidationError);
  const st = parsed.find((p) => p.name === 'status.edxml')!.message;
  if (st.kind !== 'status') return;
  const { variant: _sv, ...statusBody } = st.status;
  t.equal(statusFromJson(statusBody).statusCode, '01');
  t.throws(() => statusFromJson({ ...statusBody, statusCode: '99' }), EdxmlValidationError);
});
