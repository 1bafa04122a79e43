import t from 'tap';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createLogger } from '@lienthong/service-kit';
import { fixture, get, inbox, postJson, postXml, sampleDocument, startRoutingHub, type Auth } from '../test/helpers.js';

const A = '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT';
const B = '000.00.00.G22,2014/02/30,7806/VPCP-TTĐT';
const C = '000.00.00.G22,2014/01/30,7806/VPCP-TTĐT';
const STATUSES = [
  'status.edxml',
  'status_inbox_01.edxml',
  'status_rejection_02.edxml',
  'status_acceptance_03.edxml',
  'status_assignment_04.edxml',
  'status_processing_05.edxml',
  'status_finish_06.edxml',
  'status_change-acceptance_15.edxml',
  'status_change-rejection_16.edxml',
];

type Warning = { code: string; message: string; attachment?: string };
type Answer = { documentId: string; recipients: Array<{ organId: string; deliveryId: string }>; warnings?: Warning[] };
type LogLine = { level: number; msg: string; correlationId?: string; documentId?: string; statusId?: string; warnings?: Warning[] };

/** edoc.edxml's attachment content: an unfilled JMeter placeholder, stored as sent. */
const PLACEHOLDER = '${__StringFromFile(test.txt,,,)}';

t.test('every real sample goes through the API', async (t) => {
  const logs: LogLine[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) } });
  const hub = await startRoutingHub({ logger });
  t.teardown(() => hub.close());
  const ids = [
    '002.00.20.H13',
    '000.00.15.H51',
    '28.22.H17',
    'vxp.saas.03',
    '000.00.00.G22',
    '000.00.00.H41',
    '000.00.00.H14',
    '000.00.00.G17',
    '000.00.00.H30',
  ];
  for (const id of ids) await hub.agency(id);
  const sys: Record<string, Auth> = {};
  for (const id of ids) sys[id] = await hub.system([id]);
  const as = (id: string) => sys[id]!;

  await t.test('plain packages, non-conforming ids included', async (t) => {
    for (const [file, from, to] of [
      ['edoc.edxml', '002.00.20.H13', ['000.00.15.H51']],
      ['edoc_new.edxml', '002.00.20.H13', ['28.22.H17']],
      ['gateway-2025-a.edxml', 'vxp.saas.03', ['vxp.saas.03']],
      ['gateway-2025-b.edxml', 'vxp.saas.03', ['vxp.saas.03']],
    ] as const) {
      const res = await postXml(hub, as(from), fixture(file));
      t.equal(res.statusCode, 202, `${file}: ${res.body}`);
      const answer = res.json() as Answer;
      t.same(
        answer.recipients.map((r) => r.organId),
        to,
        `${file} goes to ${to.join(', ')}`,
      );
      const doc = (await get(hub, as(from), `/v1/documents/${answer.documentId}`)).json() as {
        signature: { status: string };
        attachments: unknown[];
      };
      t.equal(doc.signature.status, file.startsWith('gateway') ? 'absent' : 'invalid', `${file}: signature recorded`);
      t.equal(doc.attachments.length, 1);
    }
    t.equal((await inbox(hub, as('28.22.H17'))).length, 1, 'the non-conforming recipient has its document');
    t.equal((await inbox(hub, as('000.00.15.H51'))).length, 1);
    t.equal((await inbox(hub, as('vxp.saas.03'))).length, 2);
  });

  await t.test('edoc.edxml: its placeholder attachment is stored exactly as sent, and the answer and the log name it', async (t) => {
    const cid = 'cid:36b8a92e-f054-11e7-842b-005056b672fc';
    const bytes = fixture('edoc.edxml');
    // Above the worker limit the body streams on the event loop: the same content after 300 KB of base64 lines.
    const large = Buffer.from(
      bytes
        .toString('utf8')
        .replace(
          PLACEHOLDER,
          `${randomBytes(225_000)
            .toString('base64')
            .replace(/(.{76})/g, '$1\n')}${PLACEHOLDER}`,
        )
        .replaceAll('9fbfbad2-f1f8-4256-a2eb-50fb1061cddb', 'edoc-large'),
    );
    const largeText = large.toString('utf8');
    const largeContent = largeText.slice(
      largeText.indexOf('>', largeText.indexOf('<edXML:ContentTransferEncoded')) + 1,
      largeText.indexOf('</edXML:ContentTransferEncoded>'),
    );
    for (const [label, body, content, sizes] of [
      ['whole', bytes, PLACEHOLDER, [bytes.length]],
      ['in pieces of 1, 7 and 3 bytes', bytes, PLACEHOLDER, [1, 7, 3]],
      ['over the worker limit, whole', large, largeContent, [large.length]],
      ['over the worker limit, in pieces', large, largeContent, [7, 1000, 3, 65_536]],
    ] as const) {
      const pieces: Buffer[] = [];
      for (let i = 0, k = 0; i < body.length; k++) {
        const size = sizes[k % sizes.length]!;
        pieces.push(body.subarray(i, i + size));
        i += size;
      }
      const correlationId = `edoc-${label.replace(/\W+/g, '-')}`;
      const res = await hub.app.inject({
        method: 'POST',
        url: '/v1/documents',
        headers: { ...as('002.00.20.H13'), 'content-type': 'application/xml', 'x-correlation-id': correlationId },
        payload: Readable.from(pieces),
      });
      t.equal(res.statusCode, 202, `${label}: ${res.body}`);
      const answer = res.json() as Answer;
      const notBase64 = (answer.warnings ?? []).filter((w) => w.code === 'attachment-not-base64');
      t.match(
        notBase64,
        [
          {
            attachment: cid,
            message: /attachment "GUIDE_INSTALL OPENVPN.SIGNED.PDF" .*not base64 \(character "\$" at position \d+\); stored as sent/,
          },
        ],
        `${label}: the answer names the attachment`,
      );
      t.equal(notBase64.length, 1);
      const doc = (await get(hub, as('002.00.20.H13'), `/v1/documents/${answer.documentId}`)).json() as {
        attachments: Array<{ sha256: string; size: number; notBase64?: boolean; url: string }>;
      };
      t.match(doc.attachments, [{ notBase64: true, size: Buffer.byteLength(content) }], `${label}: marked in the document`);
      const served = await get(hub, as('000.00.15.H51'), doc.attachments[0]!.url);
      t.equal(served.statusCode, 200);
      t.ok(served.rawPayload.equals(Buffer.from(content, 'utf8')), `${label}: the stored bytes are the content's text as UTF-8, exactly`);
      const line = logs.find((l) => l.correlationId === correlationId && l.warnings !== undefined);
      t.match(
        line,
        { level: 40, documentId: answer.documentId, warnings: answer.warnings },
        `${label}: logged at warn with the correlation id`,
      );
    }
    // Nothing tolerated: no warnings key.
    const json = await postJson(
      hub,
      as('000.00.00.G22'),
      '/v1/documents',
      sampleDocument({ from: '000.00.00.G22', to: ['000.00.00.G17'], documentId: 'plain-json' }),
    );
    t.equal(json.statusCode, 202, json.body);
    t.notOk('warnings' in (json.json() as object), 'an answer without warnings has no warnings key');
  });

  const originals: Record<string, Answer> = {};
  await t.test('originals sent in the JSON form', async (t) => {
    for (const [documentId, to] of [
      [A, ['000.00.00.H41', '000.00.00.H14', '000.00.00.H30']],
      [B, ['000.00.00.H41']],
      [C, ['000.00.00.H41', '000.00.00.H14']],
    ] as const) {
      const body = {
        ...sampleDocument({ from: '000.00.00.G22', to, documentId }),
        attachments: [{ name: 'vb.txt', contentType: 'text/plain', content: Buffer.from(`văn bản ${documentId}`).toString('base64') }],
      };
      const res = await postJson(hub, as('000.00.00.G22'), '/v1/documents', body);
      t.equal(res.statusCode, 202, res.body);
      originals[documentId] = res.json() as Answer;
    }
  });

  await t.test('revocation, update and replacement reach every original recipient and are recorded on the original', async (t) => {
    for (const [file, original, kind] of [
      ['edoc_revocation.edxml', A, 'revoke'],
      ['edoc_update.edxml', B, 'update'],
      ['edoc_replacement.edxml', C, 'replace'],
    ] as const) {
      const res = await postXml(hub, as('000.00.00.G22'), fixture(file));
      t.equal(res.statusCode, 202, `${file}: ${res.body}`);
      const answer = res.json() as Answer;
      const expected = new Set([
        '000.00.00.H41',
        '000.00.00.H14',
        '000.00.00.G17',
        ...originals[original]!.recipients.map((r) => r.organId),
      ]);
      t.same(new Set(answer.recipients.map((r) => r.organId)), expected, `${file}: To plus the original's recipients`);
      const revision = (await get(hub, as('000.00.00.G22'), `/v1/documents/${answer.documentId}`)).json() as {
        revises: Array<{ documentId: string; kind: string }>;
      };
      t.same(revision.revises, [{ documentId: originals[original]!.documentId, kind }]);
      // recorded on the original by the process manager
      let revisedBy: Array<{ revisionId: string; kind: string }> = [];
      for (let i = 0; i < 100 && revisedBy.length === 0; i++) {
        revisedBy = (
          (await get(hub, as('000.00.00.G22'), `/v1/documents/${originals[original]!.documentId}`)).json() as {
            revisedBy: typeof revisedBy;
          }
        ).revisedBy;
        if (revisedBy.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
      t.same(
        revisedBy.map((r) => [r.revisionId, r.kind]),
        [[answer.documentId, kind]],
        `${file} recorded on the original`,
      );
    }
    const h30 = await inbox(hub, as('000.00.00.H30'));
    t.equal(h30.length, 2, 'H30, only an original recipient of A, got A and its revocation');
  });

  await t.test('status messages from the recipient reach the sender and the timeline', async (t) => {
    const url = `/v1/documents/${encodeURIComponent(A)}/status`;
    for (const file of STATUSES) {
      const res = await postXml(hub, as('000.00.00.H41'), fixture(file)).then((r) => r);
      const posted = await hub.app.inject({
        method: 'POST',
        url,
        headers: { ...as('000.00.00.H41'), 'content-type': 'application/xml' },
        payload: fixture(file),
      });
      t.equal(res.statusCode, 400, `${file} posted as a document is refused`);
      t.equal(posted.statusCode, 202, `${file}: ${posted.body}`);
      t.same(
        (posted.json() as Answer).recipients.map((r) => r.organId),
        ['000.00.00.G22'],
      );
    }
    const senderInbox = (await inbox(hub, as('000.00.00.G22'), '?limit=1000')).filter((d) => d.kind === 'status');
    t.same(
      senderInbox.map((d) => d.statusCode),
      ['01', '01', '02', '03', '04', '05', '06', '15', '16'],
      'every status in the sender inbox, oldest first',
    );

    // 13 comes from the sender and goes to the recipient it names
    const recall = await hub.app.inject({
      method: 'POST',
      url,
      headers: { ...as('000.00.00.G22'), 'content-type': 'application/xml' },
      payload: fixture('status_cancellation_13.edxml'),
    });
    t.equal(recall.statusCode, 202, recall.body);
    t.same(
      (recall.json() as Answer).recipients.map((r) => r.organId),
      ['000.00.00.H41'],
    );
    t.ok((await inbox(hub, as('000.00.00.H41'))).some((d) => d.kind === 'status' && d.statusCode === '13'));

    // the status content, delivered as canonical edXML
    const delivery = senderInbox[0]!;
    const content = await get(hub, as('000.00.00.G22'), `/v1/deliveries/${delivery.deliveryId}/content`);
    t.equal(content.statusCode, 200);
    t.match(content.body, /<edXML:StatusCode>01<\/edXML:StatusCode>/);
    t.match(content.body, /<edXML:OrganId>lienthong<\/edXML:OrganId>/);

    const doc = (await get(hub, as('000.00.00.G22'), `/v1/documents/${originals[A]!.documentId}`)).json() as {
      recipients: Array<{ organId: string; status: string | null; timeline: Array<{ type: string; statusCode?: string }> }>;
    };
    const h41 = doc.recipients.find((r) => r.organId === '000.00.00.H41')!;
    t.same(
      h41.timeline.filter((e) => e.type === 'status').map((e) => e.statusCode),
      ['01', '01', '02', '03', '04', '05', '06', '15', '16', '13'],
    );
    t.equal(h41.status, '16', 'the last status the recipient reported');
    const h14 = doc.recipients.find((r) => r.organId === '000.00.00.H14')!;
    t.same(
      h14.timeline.map((e) => e.type),
      ['delivered'],
      'other recipients have their own timeline',
    );

    // a party that is not a recipient cannot report
    const outsider = await hub.app.inject({
      method: 'POST',
      url: `/v1/documents/${originals[A]!.documentId}/status`,
      headers: as('000.00.00.G17'),
      payload: { statusCode: '03' },
    });
    t.equal(outsider.statusCode, 403, outsider.body);

    // 13 in the short JSON form: one recipient (`to`), or every recipient, each content naming its own
    const statusUrl = `/v1/documents/${originals[A]!.documentId}/status`;
    const responseFor = async (who: Auth, deliveryId: string) =>
      /<edXML:ResponseFor>\s*<edXML:OrganId>([^<]+)</.exec((await get(hub, who, `/v1/deliveries/${deliveryId}/content`)).body)?.[1];
    const one = await postJson(hub, as('000.00.00.G22'), statusUrl, { statusCode: '13', to: '000.00.00.H14', description: 'thu hồi' });
    t.equal(one.statusCode, 202, one.body);
    const oneTo = (one.json() as Answer).recipients;
    t.same(
      oneTo.map((r) => r.organId),
      ['000.00.00.H14'],
      'a recall for the one recipient named',
    );
    t.equal(await responseFor(as('000.00.00.H14'), oneTo[0]!.deliveryId), '000.00.00.H14');
    const all = await postJson(hub, as('000.00.00.G22'), statusUrl, { statusCode: '13', description: 'thu hồi tất cả' });
    t.equal(all.statusCode, 202, all.body);
    const allTo = (all.json() as Answer).recipients;
    t.same(allTo.map((r) => r.organId).sort(), ['000.00.00.H14', '000.00.00.H30', '000.00.00.H41'], 'without `to`: every recipient');
    for (const r of allTo) t.equal(await responseFor(as(r.organId), r.deliveryId), r.organId, `${r.organId} is told the recall is for it`);
    const stranger = await postJson(hub, as('000.00.00.G22'), statusUrl, { statusCode: '13', to: '000.00.00.G17' });
    t.equal(stranger.statusCode, 422, 'a recall for an organisation that did not receive the document');
    t.same(stranger.json().unknown, ['000.00.00.G17']);
    const probe = await postJson(hub, as('000.00.00.H41'), statusUrl, { statusCode: '13', to: '000.00.00.G17' });
    t.equal(probe.statusCode, 403, 'a recipient asking for a recall learns nothing about the other recipients');
    const misplaced = await postJson(hub, as('000.00.00.H41'), statusUrl, { statusCode: '03', to: '000.00.00.G22' });
    t.equal(misplaced.statusCode, 400, '`to` belongs to a recall only');
    t.match(misplaced.json().errors, [{ path: 'body/to' }]);
  });

  await t.test('the status route answers and logs what was tolerated too', async (t) => {
    const url = `/v1/documents/${encodeURIComponent(A)}/status`;
    const body = Buffer.concat([Buffer.from('1212'), fixture('status_processing_05.edxml')]);
    const res = await hub.app.inject({
      method: 'POST',
      url,
      headers: { ...as('000.00.00.H41'), 'content-type': 'application/xml', 'x-correlation-id': 'status-tolerated' },
      payload: body,
    });
    t.equal(res.statusCode, 202, res.body);
    const answer = res.json() as Answer & { statusId: string };
    t.match(answer.warnings, [{ code: 'text-before-xml-declaration', message: /ignored 4 characters before the XML declaration/ }]);
    t.match(
      logs.find((l) => l.correlationId === 'status-tolerated' && l.warnings !== undefined),
      { level: 30, documentId: answer.documentId, statusId: answer.statusId, warnings: answer.warnings },
      'logged at info (no attachment concerned) with the correlation id',
    );
    const plain = await hub.app.inject({
      method: 'POST',
      url,
      headers: { ...as('000.00.00.H41'), 'content-type': 'application/xml' },
      payload: fixture('status_processing_05.edxml'),
    });
    t.equal(plain.statusCode, 202, plain.body);
    t.notOk('warnings' in (plain.json() as object), 'nothing tolerated: no warnings key');
  });
});
