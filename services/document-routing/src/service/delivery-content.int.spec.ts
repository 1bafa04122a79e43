import t from 'tap';
import { Readable } from 'node:stream';
import { sampleDocument, sampleXml } from '../test/helpers.js';
import { serviceFixture } from '../test/service-context.js';
import { deliveryContent } from './delivery-content.js';
import { reportStatus } from './report-status.js';
import { submitDocument } from './submit-document.js';

async function text(body: Readable | string): Promise<string> {
  if (typeof body === 'string') return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString();
}

t.test('a delivered document, as JSON or edXML, with the hub’s TraceHeader; only for its recipient', async (t) => {
  const { ctx, system, context } = await serviceFixture(t, ['A', 'B', 'C']);
  const xml = await sampleXml(sampleDocument({ from: 'A', to: ['B'], subject: 'Về việc thử' }), [
    { name: 'a.txt', bytes: Buffer.from('nội dung') },
  ]);
  const sent = await submitDocument(ctx)({ kind: 'xml', stream: Readable.from([Buffer.from(xml)]) }, system('A'), context);
  const deliveryId = sent.recipients[0]!.deliveryId;
  const content = deliveryContent(ctx);

  const json = await content(deliveryId, system('B'), 'json');
  t.equal(json.type, 'json');
  const body = json.body as {
    deliveryId: string;
    from: string;
    document: { traceHeaders: Array<{ organId: string }>; attachments: Array<{ url: string; sha256: string }> };
  };
  t.equal(body.deliveryId, deliveryId);
  t.equal(body.from, 'A');
  t.same(
    body.document.traceHeaders.map((h) => h.organId),
    ['A', 'lienthong'],
    'the hub’s hop appended',
  );
  t.equal(body.document.attachments[0]?.url, `/v1/attachments/${body.document.attachments[0]?.sha256}`, 'attachments linked');

  const edxml = await content(deliveryId, system('B'), 'edxml');
  t.equal(edxml.type, 'edxml');
  const rendered = await text(edxml.body as Readable | string);
  t.match(rendered, /Về việc thử/);
  t.match(rendered, /lienthong/, 'the hub’s TraceHeader in the edXML');
  t.match(rendered, Buffer.from('nội dung').toString('base64'), 'the attachment read back from the blob store');

  await t.rejects(content(deliveryId, system('C'), 'json'), { code: 'LT_NOT_FOUND' }, 'not the recipient: not found');
  await t.rejects(content(deliveryId, system('A'), 'json'), { code: 'LT_NOT_FOUND' }, 'the sender neither');
});

t.test('a delivered status, and a recall request addressed to the recipient that receives it', async (t) => {
  const { ctx, system, context } = await serviceFixture(t, ['A', 'B', 'C']);
  const sent = await submitDocument(ctx)({ kind: 'json', value: sampleDocument({ from: 'A', to: ['B', 'C'] }) }, system('A'), context);
  const report = reportStatus(ctx);
  await report(sent.documentId, { kind: 'json', value: { statusCode: '03', description: 'đã tiếp nhận' } }, system('B'), context);
  const toA = ctx.view.pending(['A'], 10).find((d) => d.kind === 'status')!;
  const content = deliveryContent(ctx);
  const status = (await content(toA.deliveryId, system('A'), 'json')).body as {
    status: { statusCode: string; traceHeaders: Array<{ organId: string }> };
  };
  t.equal(status.status.statusCode, '03');
  t.equal(status.status.traceHeaders.at(-1)?.organId, 'lienthong');

  // A recall to every recipient: each receives it addressed to itself.
  await report(sent.documentId, { kind: 'json', value: { statusCode: '13' } }, system('A'), context);
  for (const organId of ['B', 'C']) {
    const recall = ctx.view.pending([organId], 10).find((d) => d.kind === 'status')!;
    const body = (await content(recall.deliveryId, system(organId), 'json')).body as { status: { responseFor: { organId: string } } };
    t.equal(body.status.responseFor.organId, organId, `${organId} is named in its own copy`);
  }
});
