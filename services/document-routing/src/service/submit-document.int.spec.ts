import t from 'tap';
import { Readable } from 'node:stream';
import { isDomainError } from '@lienthong/decider';
import { sampleDocument, sampleXml } from '../test/helpers.js';
import { serviceFixture } from '../test/service-context.js';
import { submitDocument } from './submit-document.js';
import { submittedDocument } from './submitted-document.js';

const json = (value: unknown) => ({ kind: 'json', value }) as const;
const xml = (text: string) => ({ kind: 'xml', stream: Readable.from([Buffer.from(text)]) }) as const;

t.test('a JSON document: decided, appended with a delivery per recipient, readable when answered', async (t) => {
  const { ctx, system, context } = await serviceFixture(t, ['A', 'B', 'C']);
  const submit = submitDocument(ctx);
  const body = sampleDocument({ from: 'A', to: ['B', 'C'], documentId: 'E-1' });
  const answer = await submit(json(body), system('A'), context);
  t.same(
    answer.recipients.map((r) => r.organId),
    ['B', 'C'],
  );
  t.notOk('warnings' in answer, 'no warnings key when nothing was tolerated');
  t.equal(ctx.view.document(answer.documentId)?.senderOrganId, 'A', 'in the read model already (read-your-writes)');
  t.same(
    ctx.view.pending(['B'], 10).map((d) => d.deliveryId),
    [answer.recipients[0]!.deliveryId],
    'B has its delivery',
  );

  const again = await submit(json(body), system('A'), context);
  t.same(again, answer, 'the same document again: the same answer, nothing new');
  t.equal(ctx.view.pending(['B'], 10).length, 1);
});

t.test('a sender the system does not act for is refused before anything is stored', async (t) => {
  const { ctx, system, context } = await serviceFixture(t, ['A', 'B']);
  const submit = submitDocument(ctx);
  const before = await ctx.store.headPosition();
  const error = await submit(json(sampleDocument({ from: 'A', to: ['B'] })), system('B'), context).catch((e: unknown) => e);
  t.ok(isDomainError(error, 'forbidden'), 'forbidden');
  t.equal(await ctx.store.headPosition(), before, 'nothing appended');
});

t.test('an edXML document: read as a stream, attachments stored in the blob store', async (t) => {
  const { ctx, system, context } = await serviceFixture(t, ['A', 'B']);
  const submit = submitDocument(ctx);
  const bytes = Buffer.from('tệp đính kèm');
  const text = await sampleXml(sampleDocument({ from: 'A', to: ['B'], documentId: 'E-2' }), [{ name: 'a.txt', bytes }]);
  const answer = await submit(xml(text), system('A'), context);
  const row = ctx.view.document(answer.documentId);
  t.equal(row?.format, 'edxml');
  const [attachment] = (await submittedDocument(ctx.store, answer.documentId)).attachments;
  t.equal(attachment?.name, 'a.txt');
  t.equal((await ctx.blobs.stat(attachment!.sha256))?.size, bytes.length, 'the attachment is in the blob store');
  t.equal(row?.signature.status, 'absent');
});
