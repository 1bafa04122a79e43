import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fixture, get, inbox, postJson, sampleDocument, sampleXml, startRoutingHub, type Auth } from '../test/helpers.js';

// edXML bodies over real HTTP: attachments stored exactly whatever the TCP slicing, hostile
// content refused with a 400 naming the path, the C# gateways' SOAP-header status accepted.

const SOAP_HEADER_STATUS = readFileSync(new URL('../../../../packages/edxml/src/test/status-soap-header.edxml', import.meta.url));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Answer = { status: number; type: string | undefined; body: string };

/** POSTs `body` in pieces of `sizes` bytes (cycled), each written only once the previous one left. */
function postInPieces(
  base: string,
  path: string,
  auth: Auth,
  body: Buffer,
  sizes: readonly number[],
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method: 'POST', headers: { ...auth, 'content-type': 'application/xml', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.setNoDelay(true);
    void (async () => {
      for (let i = 0, k = 0; i < body.length; k++) {
        const size = sizes[k % sizes.length]!;
        await new Promise<void>((done, fail) => req.write(body.subarray(i, i + size), (e) => (e ? fail(e) : done())));
        i += size;
      }
      req.end();
    })().catch(reject);
  });
}

t.test('edXML intake over HTTP', async (t) => {
  const hub = await startRoutingHub();
  t.teardown(() => hub.close());
  for (const id of ['000.00.00.G22', '000.00.00.H41']) await hub.agency(id);
  const g22 = await hub.system(['000.00.00.G22']);
  const h41 = await hub.system(['000.00.00.H41']);
  const base = await hub.app.listen({ port: 0, host: '127.0.0.1' });

  const stored = async (documentId: string): Promise<Array<{ sha256: string; size: number }>> => {
    const doc = (await get(hub, g22, `/v1/documents/${documentId}`)).json() as { attachments: Array<{ sha256: string; size: number }> };
    return doc.attachments.map((a) => ({ sha256: a.sha256, size: a.size }));
  };

  await t.test('a chunked upload stores exactly the blob a whole one does, below and above the worker limit', async (t) => {
    for (const size of [30_001, 300_002]) {
      const bytes = randomBytes(size);
      const expected = [{ sha256: sha(bytes), size }];
      // As C# writers send it: one character of the base64 written as a character reference.
      const escaped = (xml: string) => {
        const a = xml.indexOf('A', xml.indexOf('<edXML:ContentTransferEncoded>') + 100);
        return `${xml.slice(0, a)}&#x41;${xml.slice(a + 1)}`;
      };
      const xml = async (id: string) =>
        escaped(
          await sampleXml(sampleDocument({ from: '000.00.00.G22', to: ['000.00.00.H41'], documentId: id }), [{ name: 'tệp.bin', bytes }]),
        );
      const whole = Buffer.from(await xml(`whole-${size}`));
      const chunked = Buffer.from(await xml(`chunked-${size}`));
      const a = await postInPieces(base, '/v1/documents', g22, whole, [whole.length]);
      t.equal(a.status, 202, a.body);
      // Odd pieces split tags, base64 groups and multi-byte characters.
      const b = await postInPieces(base, '/v1/documents', g22, chunked, [1, 7, 3, 64, 1000, 5, 4093]);
      t.equal(b.status, 202, b.body);
      t.same(await stored(JSON.parse(a.body).documentId), expected, `${size} bytes sent whole: stored exactly`);
      t.same(await stored(JSON.parse(b.body).documentId), expected, `${size} bytes sent in pieces: the same blob`);
      const served = await get(hub, g22, `/v1/attachments/${expected[0]!.sha256}`);
      t.ok(served.rawPayload.equals(bytes), 'and served back byte for byte');
    }
  });

  const contentOf = (xml: string, content: string) =>
    xml.replace(/(<edXML:ContentTransferEncoded>)[^<]*/, (_, open: string) => `${open}${content}`);
  const path = 'body/edXML/AttachmentEncoded/Attachment/ContentTransferEncoded';

  await t.test('hostile attachment content: 400 naming the path and the attachment, in any slicing', async (t) => {
    const xml = await sampleXml(sampleDocument({ from: '000.00.00.G22', to: ['000.00.00.H41'], documentId: 'hostile' }), [
      { name: 'a.pdf', bytes: randomBytes(3000) },
    ]);
    const good = randomBytes(600).toString('base64');
    const cases: Record<string, [string, RegExp]> = {
      'a nested ContentTransferEncoded': [
        `QUJD<edXML:ContentTransferEncoded>QUJD</edXML:ContentTransferEncoded>`,
        /element <edXML:ContentTransferEncoded> inside the content/,
      ],
      'padding in the middle': [`${good.slice(0, 400)}QQ==${good.slice(400)}`, /padding in the middle/],
      NUL: [`${good.slice(0, 10)}\u0000${good.slice(10)}`, /U\+0000/],
      'U+0001': [`${good.slice(0, 10)}\u0001${good.slice(10)}`, /U\+0001/],
    };
    for (const [label, [content, message]] of Object.entries(cases)) {
      const body = Buffer.from(contentOf(xml, content));
      for (const sizes of [[body.length], [7, 1, 300]]) {
        const res = await postInPieces(base, '/v1/documents', g22, body, sizes);
        t.equal(res.status, 400, `${label}: ${res.body}`);
        t.match(res.type, /application\/problem\+json/);
        t.match(
          JSON.parse(res.body),
          { status: 400, errors: [{ path, message: new RegExp(`attachment "a.pdf" \\(cid:1\\): .*${message.source}`) }] },
          label,
        );
      }
    }
  });

  await t.test('a nested ContentTransferEncoded on the status route: 400, not 500', async (t) => {
    const sent = await postJson(
      hub,
      g22,
      '/v1/documents',
      sampleDocument({ from: '000.00.00.G22', to: ['000.00.00.H41'], documentId: 'for-status' }),
    );
    t.equal(sent.statusCode, 202, sent.body);
    const { documentId } = sent.json() as { documentId: string };
    const nested = fixture('status.edxml')
      .toString('utf8')
      .replace(
        /<\/edXML>\s*$/,
        '<edXML:AttachmentEncoded><edXML:Attachment><edXML:ContentTransferEncoded>QUJD<edXML:ContentTransferEncoded>QUJD</edXML:ContentTransferEncoded></edXML:ContentTransferEncoded></edXML:Attachment></edXML:AttachmentEncoded></edXML>',
      );
    t.not(nested, fixture('status.edxml').toString('utf8'), 'the status carries the nested content');
    const res = await postInPieces(base, `/v1/documents/${documentId}/status`, h41, Buffer.from(nested), [5, 64]);
    t.equal(res.status, 400, res.body);
    t.match(JSON.parse(res.body), { errors: [{ path, message: /element <edXML:ContentTransferEncoded> inside the content/ }] });

    // The C# gateways' variant is accepted, and recorded with the status the sender receives.
    const soap = await postInPieces(base, `/v1/documents/${documentId}/status`, h41, SOAP_HEADER_STATUS, [SOAP_HEADER_STATUS.length], {
      'content-type': 'text/xml; charset=utf-8',
    });
    t.equal(soap.status, 202, soap.body);
    const delivery = (await inbox(hub, g22)).find((d) => d.kind === 'status');
    t.ok(delivery, 'the status reached the sender');
    const content = (await get(hub, g22, `/v1/deliveries/${delivery!.deliveryId}/content?format=json`)).json() as {
      status: { statusCode: string; timestamp: string; variant: Record<string, unknown> };
    };
    t.match(content.status, {
      statusCode: '01',
      timestamp: '2018-09-28T17:25:11+07:00',
      variant: { dialect: 'soap-header-status', soapEnvelope: true, timestampFormat: 'dd/MM/yyyy' },
    });
    const edxml = await get(hub, g22, `/v1/deliveries/${delivery!.deliveryId}/content`);
    t.match(edxml.body, /<edXML:Timestamp>2018\/09\/28 17:25:11<\/edXML:Timestamp>/, 'delivered in the canonical form');
  });

  t.equal((await get(hub, g22, '/v1/inbox')).statusCode, 200, 'the hub still serves');
});
