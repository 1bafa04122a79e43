import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseEdxml, memoryAttachmentStore } from '@lienthong/edxml';
import { get, inbox, postXml, sampleDocument, sampleXml, startRoutingHub } from '../test/helpers.js';

t.test('submit edXML → inbox → content → ack', async (t) => {
  const hub = await startRoutingHub();
  t.teardown(() => hub.close());
  await hub.agency('000.00.00.H40');
  await hub.agency('000.00.12.H40');
  await hub.agency('000.00.13.H40');
  const sender = await hub.system(['000.00.00.H40']);
  const r1 = await hub.system(['000.00.12.H40']);
  const r2 = await hub.system(['000.00.13.H40']);

  const pdf = Buffer.from('%PDF-1.4 công văn số 123 '.repeat(50));
  const xml = await sampleXml(
    sampleDocument({ from: '000.00.00.H40', to: ['000.00.12.H40', '000.00.13.H40'], documentId: '000.00.00.H40,2026/01/15,123/UBND-VP' }),
    [{ name: 'cong-van.pdf', bytes: pdf, contentType: 'application/pdf' }],
  );
  const res = await postXml(hub, sender, xml);
  t.equal(res.statusCode, 202, res.body);
  const answer = res.json() as { documentId: string; recipients: Array<{ organId: string; deliveryId: string }> };
  t.match(answer.documentId, /^[0-9a-f-]{36}$/);
  t.same(answer.recipients.map((r) => r.organId).sort(), ['000.00.12.H40', '000.00.13.H40']);

  const items = await inbox(hub, r1);
  t.equal(items.length, 1, 'one pending delivery for the first recipient');
  const mine = items[0]!;
  t.equal(mine.documentId, answer.documentId);
  t.equal(mine.deliveryId, answer.recipients.find((r) => r.organId === '000.00.12.H40')!.deliveryId);
  t.same(await inbox(hub, sender), [], 'nothing for the sender');

  // content as edXML, with the hub's TraceHeader appended, and the attachment intact
  const content = await get(hub, r1, `/v1/deliveries/${mine.deliveryId}/content?format=edxml`);
  t.equal(content.statusCode, 200);
  t.match(content.headers['content-type'], /application\/xml/);
  const store = memoryAttachmentStore();
  const parsed = await parseEdxml(content.body, { attachments: store });
  t.equal(parsed.kind, 'document');
  if (parsed.kind === 'document') {
    t.equal(parsed.document.traceHeaders.length, 2);
    t.equal(parsed.document.traceHeaders.at(-1)!.organId, 'lienthong', 'the hub hop is last');
    t.equal(parsed.document.header.subject, 'Về việc triển khai liên thông văn bản');
    t.same([...store.blobs.values()][0], pdf, 'attachment content round-trips');
  }

  // JSON content with attachment links, and the attachment itself
  const json = await get(hub, r1, `/v1/deliveries/${mine.deliveryId}/content?format=json`);
  t.equal(json.statusCode, 200);
  const body = json.json() as { document: { attachments: Array<{ url: string; sha256: string }> } };
  const link = body.document.attachments[0]!;
  t.match(link.url, /^\/v1\/attachments\/[0-9a-f]{64}$/);
  const blob = await get(hub, r1, link.url);
  t.equal(blob.statusCode, 200);
  t.same(blob.rawPayload, pdf);
  t.equal(blob.headers['content-type'], 'application/pdf', 'served with the content type the document gave it');
  const asAdmin = await get(hub, hub.admin, link.url);
  t.equal(asAdmin.statusCode, 200);
  t.equal(asAdmin.headers['content-type'], 'application/pdf');
  const sidecars = readdirSync(join(hub.dataDir, 'blobs'), { recursive: true }).filter((f) => String(f).endsWith('.json'));
  t.same(sidecars, [], 'no content-type file beside the blobs: the document records it');

  // ack: 204, idempotent, and the inbox empties
  const ack = await hub.app.inject({ method: 'POST', url: `/v1/deliveries/${mine.deliveryId}/ack`, headers: r1 });
  t.equal(ack.statusCode, 204);
  const again = await hub.app.inject({ method: 'POST', url: `/v1/deliveries/${mine.deliveryId}/ack`, headers: r1 });
  t.equal(again.statusCode, 204, 'a second ack is fine');
  t.same(await inbox(hub, r1), [], 'acked deliveries leave the inbox');
  t.equal((await inbox(hub, r2)).length, 1, 'the other recipient still has its own');

  // the document, as the sender sees it
  const doc = await get(hub, sender, `/v1/documents/${answer.documentId}`);
  t.equal(doc.statusCode, 200, doc.body);
  const view = doc.json() as {
    signature: { status: string };
    recipients: Array<{ organId: string; acknowledgedAt: string | null; timeline: Array<{ type: string }> }>;
  };
  t.equal(view.signature.status, 'absent');
  const first = view.recipients.find((r) => r.organId === '000.00.12.H40')!;
  t.ok(first.acknowledgedAt);
  t.same(
    first.timeline.map((e) => e.type),
    ['delivered', 'acknowledged'],
  );
});
