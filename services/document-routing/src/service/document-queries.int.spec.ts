import t from 'tap';
import { Readable } from 'node:stream';
import { sampleDocument, sampleXml } from '../test/helpers.js';
import { serviceFixture } from '../test/service-context.js';
import { acknowledgeDelivery } from './acknowledge-delivery.js';
import { documentQueries } from './document-queries.js';
import { reportStatus } from './report-status.js';
import { submitDocument } from './submit-document.js';
import { submittedDocument } from './submitted-document.js';

async function setUp(t: Parameters<typeof serviceFixture>[0]) {
  const fixture = await serviceFixture(t, ['A', 'B', 'C', 'D']);
  const { ctx, system, context } = fixture;
  const bytes = Buffer.from('tệp của văn bản');
  const xml = await sampleXml(sampleDocument({ from: 'A', to: ['B', 'C'], documentId: 'E-7' }), [{ name: 'a.txt', bytes }]);
  const sent = await submitDocument(ctx)({ kind: 'xml', stream: Readable.from([Buffer.from(xml)]) }, system('A'), context);
  return { ...fixture, sent, bytes, queries: documentQueries(ctx) };
}

t.test('inbox: the pending deliveries of the caller’s organisations, or of the one asked for', async (t) => {
  const { ctx, system, context, sent, queries } = await setUp(t);
  const toB = sent.recipients.find((r) => r.organId === 'B')!.deliveryId;
  t.same(
    queries.inbox(system('B'), undefined, 10).map((d) => d.deliveryId),
    [toB],
  );
  t.same(
    queries.inbox(system('B', 'C'), 'C', 10).map((d) => d.to),
    ['C'],
    'narrowed to the organisation asked for',
  );
  t.throws(() => queries.inbox(system('B'), 'C', 10), { code: 'LT_FORBIDDEN' });
  await acknowledgeDelivery(ctx)(toB, system('B'), context);
  t.same(queries.inbox(system('B'), undefined, 10), [], 'acknowledged: gone from the inbox');
});

t.test('getDocument: the sender sees every recipient, a recipient only its own, others nothing', async (t) => {
  const { ctx, system, context, sent, queries } = await setUp(t);
  await reportStatus(ctx)(sent.documentId, { kind: 'json', value: { statusCode: '03' } }, system('B'), context);

  const bySender = await queries.getDocument(sent.documentId, system('A'));
  t.same(
    bySender.recipients.map((r) => r.organId),
    ['B', 'C'],
  );
  t.equal(bySender.sender.systemId, 'sys-A', 'the sender sees which system sent it');
  t.equal(bySender.recipients.find((r) => r.organId === 'B')?.status, '03', 'the last status of each recipient');
  t.same(
    bySender.recipients.find((r) => r.organId === 'B')?.timeline.map((e) => e.type),
    ['delivered', 'status'],
  );
  t.equal(bySender.attachments[0]?.url, `/v1/attachments/${bySender.attachments[0]?.sha256}`);

  const byRecipient = await queries.getDocument('E-7', system('C'));
  t.same(
    byRecipient.recipients.map((r) => r.organId),
    ['C'],
    'a recipient sees its own delivery only (found by edXML id)',
  );
  t.notOk('systemId' in byRecipient.sender, 'nor the sending system');
  t.same(
    (await queries.getDocument(sent.documentId, { kind: 'admin', id: 'admin' })).recipients.map((r) => r.organId),
    ['B', 'C'],
  );
  await t.rejects(queries.getDocument(sent.documentId, system('D')), { code: 'LT_FORBIDDEN' });
  await t.rejects(queries.getDocument('E-7', system('D')), { code: 'LT_NOT_FOUND' }, 'an edXML id of others’ is not found');
});

t.test('attachment: its bytes for a party and admins, not found for anyone else', async (t) => {
  const { system, sent, bytes, queries, ctx } = await setUp(t);
  const sha256 = (await submittedDocument(ctx.store, sent.documentId)).attachments[0]!.sha256;
  const read = await queries.attachment(sha256, system('B'));
  const chunks: Buffer[] = [];
  for await (const chunk of read.body) chunks.push(chunk as Buffer);
  t.same(Buffer.concat(chunks), bytes);
  t.equal(read.size, bytes.length);
  t.equal((await queries.attachment(sha256, { kind: 'admin', id: 'admin' })).size, bytes.length);
  await t.rejects(queries.attachment(sha256, system('D')), { code: 'LT_NOT_FOUND' });
  await t.rejects(queries.attachment(sha256, { kind: 'public', id: 'public' }), { code: 'LT_NOT_FOUND' });
});
