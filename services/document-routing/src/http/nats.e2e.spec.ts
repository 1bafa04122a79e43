import t from 'tap';
import { requireNatsServer, startNatsServer } from '@lienthong/testing';
import { get, inbox, postXml, sampleDocument, sampleXml, startRoutingHub } from '../test/helpers.js';

t.test('on NATS: attachments stored by the parse workers in the Object Store, served to the recipient', async (t) => {
  if (!requireNatsServer(t)) return;
  const nats = await startNatsServer({ jetstream: true });
  t.teardown(() => nats.stop());
  const hub = await startRoutingHub({ env: { LT_NATS_URL: nats.url, LT_PARSE_WORKERS: '2' } });
  t.teardown(() => hub.close());
  await hub.agency('000.00.00.H40');
  await hub.agency('000.00.12.H40');
  const sender = await hub.system(['000.00.00.H40']);
  const recipient = await hub.system(['000.00.12.H40']);
  const pdfs = [0, 1, 2].map((i) => Buffer.from(`%PDF-1.4 công văn ${i} `.repeat(200)));
  // several at once, so both workers take some
  const answers = await Promise.all(
    pdfs.map(async (pdf, i) => {
      const xml = await sampleXml(sampleDocument({ from: '000.00.00.H40', to: ['000.00.12.H40'], documentId: `nats-${i}` }), [
        { name: `cv-${i}.pdf`, bytes: pdf, contentType: 'application/pdf' },
      ]);
      const res = await postXml(hub, sender, xml);
      t.equal(res.statusCode, 202, res.body);
      return res.json() as { documentId: string };
    }),
  );
  const items = await inbox(hub, recipient);
  t.equal(items.length, 3);
  for (const [i, answer] of answers.entries()) {
    const delivery = items.find((d) => d.documentId === answer.documentId)!;
    const json = (await get(hub, recipient, `/v1/deliveries/${delivery.deliveryId}/content?format=json`)).json() as {
      document: { attachments: Array<{ url: string }> };
    };
    const blob = await get(hub, recipient, json.document.attachments[0]!.url);
    t.equal(blob.statusCode, 200);
    t.same(blob.rawPayload, pdfs[i], `attachment ${i} round-trips through the Object Store`);
  }
});
