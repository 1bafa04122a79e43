import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { get, inbox, postJson, postXml, sampleDocument, sampleXml, startRoutingHub, type Auth } from '../test/helpers.js';
import { signEdxml } from '../test/signing.js';

type Answer = { documentId: string; recipients: Array<{ organId: string; deliveryId: string }> };

t.test('submission rules', async (t) => {
  const hub = await startRoutingHub({ env: { LT_MAX_BODY_MB: '0.05' } });
  t.teardown(() => hub.close());
  await hub.agency('000.00.00.H40', 'UBND tỉnh', ['H40']);
  await hub.agency('000.00.12.H40');
  await hub.agency('000.00.13.H40');
  const sender = await hub.system(['000.00.00.H40']);
  const strict = await hub.system(['000.00.00.H40'], { requireValidSignature: true });
  const r12 = await hub.system(['000.00.12.H40']);
  const r13 = await hub.system(['000.00.13.H40']);
  const xml = (documentId: string, to = ['000.00.12.H40'], subject?: string) =>
    sampleXml(sampleDocument({ from: '000.00.00.H40', to, documentId, ...(subject ? { subject } : {}) }));

  await t.test('forged sender → 403', async (t) => {
    const res = await postXml(hub, r12, await xml('forged-1'));
    t.equal(res.statusCode, 403);
    t.match(res.json(), { code: 'LT_FORBIDDEN', detail: /000\.00\.00\.H40/ });
    t.same(await inbox(hub, r12), []);
  });

  await t.test('a forged sender is refused before its attachments reach the blob store', async (t) => {
    const blobFiles = () =>
      readdirSync(join(hub.dataDir, 'blobs'), { recursive: true }).filter((f) => /[0-9a-f]{64}$/.test(String(f))).length;
    const before = blobFiles();
    const forged = await sampleXml(sampleDocument({ from: '000.00.00.H40', to: ['000.00.12.H40'], documentId: 'forged-2' }), [
      { name: 'big.bin', bytes: randomBytes(20_000) },
    ]);
    const res = await postXml(hub, r12, forged);
    t.equal(res.statusCode, 403, res.body);
    t.equal(blobFiles(), before, 'no blob written for a refused sender');
    const json = await postJson(hub, r12, '/v1/documents', {
      header: { from: { organId: '000.00.00.H40' } },
      attachments: [{ name: 'big.bin', contentType: 'application/octet-stream', content: randomBytes(20_000).toString('base64') }],
    });
    t.equal(json.statusCode, 403, 'the JSON form too, before its attachments are decoded');
    t.equal(blobFiles(), before);
    const genuine = await postXml(
      hub,
      sender,
      await sampleXml(sampleDocument({ from: '000.00.00.H40', to: ['000.00.12.H40'], documentId: 'genuine-2' }), [
        { name: 'big.bin', bytes: randomBytes(20_000) },
      ]),
    );
    t.equal(genuine.statusCode, 202, genuine.body);
    t.equal(blobFiles(), before + 1, "the genuine sender's attachment is stored");
  });

  await t.test('the sender may be written in its other form', async (t) => {
    const res = await postXml(
      hub,
      sender,
      await sampleXml(sampleDocument({ from: 'H40', to: ['000.00.12.H40'], documentId: 'alt-form-1' })),
    );
    t.equal(res.statusCode, 202, res.body);
  });

  await t.test('unknown recipients → 422 naming every one', async (t) => {
    const res = await postXml(hub, sender, await xml('unknown-1', ['000.00.12.H40', '999.99.99.X01', 'nowhere.1']));
    t.equal(res.statusCode, 422);
    t.same((res.json() as { unknown: string[] }).unknown, ['999.99.99.X01', 'nowhere.1']);
  });

  await t.test('hostile or malformed XML → 400', async (t) => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol2;</edXML>`;
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&e;</edXML>`;
    for (const [name, body] of [
      ['entity expansion', bomb],
      ['external entity', xxe],
      ['not XML', 'hello, world'],
      ['truncated', (await xml('trunc-1')).slice(0, 400)],
      ['not edXML', '<?xml version="1.0"?><html><body/></html>'],
      ['missing Subject', (await xml('nosubject-1')).replace(/<edXML:Subject>[^<]*<\/edXML:Subject>/, '')],
    ] as const) {
      const res = await postXml(hub, sender, body);
      t.equal(res.statusCode, 400, `${name}: ${res.body}`);
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    }
    const missing = await postXml(hub, sender, (await xml('nosubject-2')).replace(/<edXML:Subject>[^<]*<\/edXML:Subject>/, ''));
    t.match(JSON.stringify(missing.json()), /Subject/, 'names what is missing');
  });

  await t.test('too large → 413, announced or streamed', async (t) => {
    const big = await sampleXml(sampleDocument({ from: '000.00.00.H40', to: ['000.00.12.H40'], documentId: 'big-1' }), [
      { name: 'big.bin', bytes: Buffer.alloc(60_000, 7) },
    ]);
    const announced = await postXml(hub, sender, big);
    t.equal(announced.statusCode, 413, announced.body);
    // chunked, no Content-Length: counted while streaming
    const { Readable } = await import('node:stream');
    const chunked = await hub.app.inject({
      method: 'POST',
      url: '/v1/documents',
      headers: { ...sender, 'content-type': 'application/xml', 'transfer-encoding': 'chunked' },
      payload: Readable.from([Buffer.from(big)]),
    });
    t.equal(chunked.statusCode, 413, chunked.body);
    const json = await postJson(hub, sender, '/v1/documents', { pad: 'x'.repeat(60_000) });
    t.equal(json.statusCode, 413, 'JSON bodies too');
  });

  await t.test('idempotency', async (t) => {
    const body = await xml('idem-1', ['000.00.12.H40', '000.00.13.H40']);
    const first = await postXml(hub, sender, body);
    const second = await postXml(hub, sender, body);
    t.equal(first.statusCode, 202);
    t.equal(second.statusCode, 202);
    t.same(second.json(), first.json(), 'same DocumentId and body → the same answer');
    t.equal((await inbox(hub, r12)).filter((d) => d.documentId === (first.json() as Answer).documentId).length, 1, 'delivered once');
    const changed = await postXml(hub, sender, await xml('idem-1', ['000.00.12.H40', '000.00.13.H40'], 'Another subject'));
    t.equal(changed.statusCode, 409, 'same DocumentId, another body');
    t.equal((changed.json() as { code: string }).code, 'LT_IDEMPOTENCY_MISMATCH');

    const keyed = { 'idempotency-key': 'batch-42' };
    const k1 = await postXml(hub, sender, await xml('idem-2'), keyed);
    const k2 = await postXml(hub, sender, await xml('idem-2'), keyed);
    t.same(k2.json(), k1.json());
    t.equal((await postXml(hub, sender, await xml('idem-3'), keyed)).statusCode, 409, 'the key wins over the DocumentId');
    const other = await postXml(hub, sender, await xml('idem-2'), { 'idempotency-key': 'batch-43' });
    t.equal(other.statusCode, 202);
    t.not((other.json() as Answer).documentId, (k1.json() as Answer).documentId, 'another key, another document');
  });

  await t.test('signatures: recorded, and required for strict systems', async (t) => {
    const signed = signEdxml(await xml('signed-1'));
    const ok = await postXml(hub, strict, signed);
    t.equal(ok.statusCode, 202, ok.body);
    const doc = (await get(hub, strict, `/v1/documents/${(ok.json() as Answer).documentId}`)).json() as {
      signature: { status: string; signer?: { subject: string } };
    };
    t.equal(doc.signature.status, 'valid');
    t.match(doc.signature.signer?.subject, /Văn thư/);

    const tampered = signed.replace('Về việc triển khai', 'Về việc hủy bỏ').replace('signed-1', 'signed-3');
    const refused = await postXml(hub, strict, tampered);
    t.equal(refused.statusCode, 422, 'altered after signing');
    t.equal((await postXml(hub, strict, await xml('unsigned-1'))).statusCode, 422, 'unsigned');
    const lax = await postXml(hub, sender, tampered);
    t.equal(lax.statusCode, 202, 'a system without the requirement may send it');
    const laxDoc = (await get(hub, sender, `/v1/documents/${(lax.json() as Answer).documentId}`)).json() as {
      signature: { status: string };
    };
    t.equal(laxDoc.signature.status, 'invalid', 'and it is recorded as invalid');
  });

  await t.test('JSON form', async (t) => {
    const body = {
      ...sampleDocument({ from: '000.00.00.H40', to: ['000.00.13.H40'], documentId: 'json-1' }),
      attachments: [{ name: 'a.txt', contentType: 'text/plain', content: Buffer.from('nội dung').toString('base64') }],
    };
    const res = await postJson(hub, sender, '/v1/documents', body);
    t.equal(res.statusCode, 202, res.body);
    t.same((await postJson(hub, sender, '/v1/documents', body)).json(), res.json(), 'idempotent too');
    const delivery = (await inbox(hub, r13)).find((d) => d.documentId === (res.json() as Answer).documentId)!;
    const content = await get(hub, r13, `/v1/deliveries/${delivery.deliveryId}/content?format=edxml`);
    t.match(
      content.body,
      /<edXML:ContentTransferEncoded>buG7mWkgZHVuZw==<\/edXML:ContentTransferEncoded>/,
      'rendered as edXML with the attachment',
    );
    const bad = await postJson(hub, sender, '/v1/documents', { header: { from: { organId: '000.00.00.H40' } } });
    t.equal(bad.statusCode, 400);
    t.ok((bad.json() as { errors: unknown[] }).errors.length > 0, 'names the failing fields');
  });
});

t.test("the JSON form is held to the XML reader's bounds, and every list has one", async (t) => {
  const hub = await startRoutingHub();
  t.teardown(() => hub.close());
  await hub.agency('000.00.00.H40');
  await hub.agency('000.00.13.H40');
  const sender = await hub.system(['000.00.00.H40']);
  const base = sampleDocument({ from: '000.00.00.H40', to: ['000.00.13.H40'], documentId: 'json-huge' });
  const oversized: Array<[string, unknown, RegExp]> = [
    ['a subject over 1 MiB', { ...base, header: { ...base.header, subject: 'x'.repeat((1 << 20) + 1) } }, /header\/subject/],
    [
      '10,001 recipients',
      { ...base, header: { ...base.header, to: Array.from({ length: 10_001 }, (_, i) => ({ organId: `X${i}` })) } },
      /header\/to/,
    ],
    [
      '1,001 attachments',
      { ...base, attachments: Array.from({ length: 1001 }, (_, i) => ({ name: `a${i}.txt`, content: 'YQ==' })) },
      /attachments/,
    ],
  ];
  for (const [what, body, path] of oversized) {
    const refused = await postJson(hub, sender, '/v1/documents', body);
    t.equal(refused.statusCode, 400, what);
    t.match(JSON.stringify((refused.json() as { errors?: unknown[] }).errors ?? []), path, `${what}: the field is named`);
  }
});

t.test('authorization matrix: sender, recipient, outsider × every route', async (t) => {
  const hub = await startRoutingHub();
  t.teardown(() => hub.close());
  for (const id of ['H40', 'H40.12', 'H40.13', 'H41']) await hub.agency(id);
  const sender = await hub.system(['H40']);
  const recipient = await hub.system(['H40.12']);
  const other = await hub.system(['H40.13']);
  const outsider = await hub.system(['H41']);
  const staff = await hub.staff('H40', ['clerk']);
  const a = (
    await postXml(
      hub,
      sender,
      await sampleXml(sampleDocument({ from: 'H40', to: ['H40.12', 'H40.13'], documentId: 'm-1' }), [
        { name: 'x.txt', bytes: Buffer.from('bí mật') },
      ]),
    )
  ).json() as Answer;
  const mine = a.recipients.find((r) => r.organId === 'H40.12')!.deliveryId;
  const sha = ((await get(hub, recipient, `/v1/documents/${a.documentId}`)).json() as { attachments: Array<{ sha256: string }> })
    .attachments[0]!.sha256;

  const routes: Array<[string, (who: Auth) => Promise<number>, Record<string, number>]> = [
    [
      'GET document',
      async (who) => (await get(hub, who, `/v1/documents/${a.documentId}`)).statusCode,
      { sender: 200, recipient: 200, other: 200, outsider: 403, staff: 403, anonymous: 401 },
    ],
    [
      'GET content',
      async (who) => (await get(hub, who, `/v1/deliveries/${mine}/content`)).statusCode,
      { sender: 404, recipient: 200, other: 404, outsider: 404, staff: 403, anonymous: 401 },
    ],
    [
      'GET attachment',
      async (who) => (await get(hub, who, `/v1/attachments/${sha}`)).statusCode,
      { sender: 200, recipient: 200, other: 200, outsider: 404, staff: 403, anonymous: 401 },
    ],
    [
      'GET inbox',
      async (who) => (await get(hub, who, '/v1/inbox?organId=H40.12')).statusCode,
      { sender: 403, recipient: 200, other: 403, outsider: 403, staff: 403, anonymous: 401 },
    ],
    [
      'POST status',
      async (who) => (await postJson(hub, who, `/v1/documents/${a.documentId}/status`, { statusCode: '01' })).statusCode,
      { sender: 403, recipient: 202, other: 202, outsider: 403, staff: 403, anonymous: 401 },
    ],
    [
      'POST ack',
      async (who) => (await hub.app.inject({ method: 'POST', url: `/v1/deliveries/${mine}/ack`, headers: who })).statusCode,
      { sender: 404, other: 404, outsider: 404, staff: 403, anonymous: 401, recipient: 204 },
    ],
    [
      'POST document',
      async (who) =>
        (await postXml(hub, who, await sampleXml(sampleDocument({ from: 'H40', to: ['H40.12'], documentId: `m-${Math.random()}` }))))
          .statusCode,
      { sender: 202, recipient: 403, other: 403, outsider: 403, staff: 403, anonymous: 401 },
    ],
  ];
  const callers: Record<string, Auth> = { sender, recipient, other, outsider, staff, anonymous: { authorization: '' } };
  for (const [name, call, expected] of routes) {
    for (const [who, status] of Object.entries(expected)) {
      const auth = callers[who]!;
      t.equal(await call(auth.authorization ? auth : ({} as Auth)), status, `${name} as ${who} → ${status}`);
    }
  }
  // a recipient sees its own delivery only, never the other recipient's
  const asRecipient = (await get(hub, recipient, `/v1/documents/${a.documentId}`)).json() as {
    recipients: Array<{ organId: string }>;
    sender: { systemId?: string };
  };
  t.same(
    asRecipient.recipients.map((r) => r.organId),
    ['H40.12'],
  );
  t.notOk(asRecipient.sender.systemId, 'and not the sending system');
  const asSender = (await get(hub, sender, `/v1/documents/${a.documentId}`)).json() as { recipients: Array<{ organId: string }> };
  t.same(asSender.recipients.map((r) => r.organId).sort(), ['H40.12', 'H40.13']);
  t.same((await inbox(hub, outsider)).length, 0);

  // an attachment referenced by its hash: only by a party to a document carrying it, with the stored size
  const reference = (who: Auth, from: string, to: string, size?: number) =>
    postJson(hub, who, '/v1/documents', {
      ...sampleDocument({ from, to: [to], documentId: `ref-${Math.random()}` }),
      attachments: [{ name: 'x.txt', sha256: sha, ...(size === undefined ? {} : { size }) }],
    });
  const stolen = await reference(outsider, 'H41', 'H40');
  t.equal(stolen.statusCode, 400, stolen.body);
  t.match(stolen.json(), {
    errors: [{ path: /attachments\/0\/sha256/, message: /no stored content with this sha256 that the sender may use/ }],
  });
  t.equal((await get(hub, outsider, `/v1/attachments/${sha}`)).statusCode, 404, 'and the outsider still cannot read it');
  const stored = Buffer.byteLength('bí mật');
  t.equal((await reference(outsider, 'H41', 'H40', stored)).statusCode, 400, 'a size given does not stand in for the check');
  const wrongSize = await reference(recipient, 'H40.12', 'H41', stored + 1);
  t.equal(wrongSize.statusCode, 400, wrongSize.body);
  t.match(wrongSize.json(), { errors: [{ path: /attachments\/0\/size/, message: new RegExp(`has ${stored} bytes`) }] });
  const forwarded = await reference(recipient, 'H40.12', 'H41');
  t.equal(forwarded.statusCode, 202, `a recipient may forward what it received: ${forwarded.body}`);
  const seenByH41 = (await get(hub, outsider, `/v1/documents/${(forwarded.json() as Answer).documentId}`)).json() as {
    attachments: Array<{ sha256: string; size: number }>;
  };
  t.match(seenByH41.attachments, [{ sha256: sha, size: stored }]);
  t.equal((await get(hub, outsider, `/v1/attachments/${sha}`)).statusCode, 200, 'now a party, H41 reads it');
});
