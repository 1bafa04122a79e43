/**
 * Federation through document routing (SPEC §6), three whole hubs on loopback: province A, the
 * national axis, province B. A VNPT system in A sends a real edXML package to a Viettel system in
 * B; the status 03 comes back into A's timeline; a recall (13, answered 15) crosses both ways; a
 * real revocation reaches the original's recipients in B and a local one in A; B is down for a
 * while and gets what was sent meanwhile once; an unknown remote recipient is refused at the
 * origin. On SQLite with the in-process bus, and again with each hub on its own NATS server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { memoryAttachmentStore, parseEdxml, renderEdxml } from '@lienthong/edxml';
import { eventually, realEdxmlDir, requireNatsServer, startNatsServer } from '@lienthong/testing';
import { postSigned } from '@lienthong/federation/testing';
import { addPeer, closeHubs, get, inbox, post, startLoopbackHub, type Auth, type LoopbackHub } from './test/federated-hubs.js';

const A = '000.00.00.H13';
const AXIS = '000.00.00.G01';
const B = '000.00.00.H51';
const VNPT_SENDER = '002.00.20.H13';
const VIETTEL_RECIPIENT = '000.00.15.H51';
/** The real revocation's sender and recipients: G22 and G17 in A, H41 and H14 in B. */
const G22 = '000.00.00.G22';
const G17 = '000.00.00.G17';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';

const real = (name: string) => readFileSync(join(realEdxmlDir(), name), 'utf8');
const hopsOf = async (edxml: string) => {
  const message = await parseEdxml(edxml, { attachments: memoryAttachmentStore() });
  return (message.kind === 'document' ? message.document.traceHeaders : message.status.traceHeaders).map((h) => h.organId);
};

interface Timeline {
  recipients: Array<{
    organId: string;
    status: string | null;
    timeline: Array<{
      type: string;
      peerId?: string;
      statusCode?: string;
      transfer?: { status: string; attempts: number; lastError: string | null };
    }>;
  }>;
  revisedBy: Array<{ kind: string }>;
}

/** A hub's id of the document whose edXML `DocumentId` is given (the axis has no system to ask by that id). */
async function documentIdAt(h: LoopbackHub, edxmlDocumentId: string): Promise<string | undefined> {
  const { store } = h.hub.platform;
  for (const { stream } of await store.listStreams({ prefix: 'document-', limit: 1000 })) {
    const [first] = await store.readStream(stream, { maxCount: 1 });
    const data = first?.data as { documentId: string; edxmlDocumentId: string | null } | undefined;
    if (first?.type === 'DocumentSubmitted' && data?.edxmlDocumentId === edxmlDocumentId) return data.documentId;
  }
  return undefined;
}

/** The data of every TransferQueued in a hub's store. */
async function transfersQueued(h: LoopbackHub): Promise<Array<{ edxml?: string; source?: string }>> {
  const { store } = h.hub.platform;
  const queued: Array<{ edxml?: string; source?: string }> = [];
  for (const { stream } of await store.listStreams({ prefix: 'fed-transfer-', limit: 1000 }))
    for (const e of await store.readStream(stream))
      if (e.type === 'TransferQueued') queued.push(e.data as { edxml?: string; source?: string });
  return queued;
}

async function threeHubs(t: Test, env: (organId: string) => Promise<Record<string, string>>) {
  const a = await startLoopbackHub(A, await env(A));
  const axis = await startLoopbackHub(AXIS, await env(AXIS));
  const b = await startLoopbackHub(B, await env(B));
  t.teardown(() => closeHubs([a, axis, b]));
  // each province's default route is the axis; the axis knows which province serves what
  await addPeer(a, 'axis', axis, ['*'], 'axis');
  await addPeer(b, 'axis', axis, ['*'], 'axis');
  await addPeer(axis, 'a', a, ['*.H13', G22, G17]);
  await addPeer(axis, 'b', b, ['*.H51', H41, H14]);
  for (const id of [VNPT_SENDER, G22, G17]) await a.hub.agency(id);
  for (const id of [VIETTEL_RECIPIENT, H41, H14]) await b.hub.agency(id);
  const system = async (h: LoopbackHub, vendor: string, organIds: string[]): Promise<Auth> => {
    const res = await h.hub.app.inject({
      method: 'POST',
      url: '/v1/admin/systems',
      headers: h.hub.admin,
      payload: { name: `${vendor} eOffice`, vendor, organIds },
    });
    return { authorization: `Bearer ${res.json<{ token: string }>().token}` };
  };
  return {
    a,
    axis,
    b,
    vnpt: await system(a, 'VNPT', [VNPT_SENDER, G22, G17]),
    viettel: await system(b, 'Viettel', [VIETTEL_RECIPIENT, H41, H14]),
  };
}

async function scenario(t: Test, env: (organId: string) => Promise<Record<string, string>>) {
  const { a, axis, b, vnpt, viettel } = await threeHubs(t, env);
  const timeline = async (documentId: string) => (await get(a, vnpt, `/v1/documents/${documentId}`)).json<Timeline>();

  // 1. the real package from the VNPT system in A to the Viettel system in B, through the axis
  const sent = await post(a, vnpt, '/v1/documents', real('edoc.edxml'));
  t.equal(sent.statusCode, 202, sent.body);
  const { documentId } = sent.json<{ documentId: string }>();
  t.same(
    (await timeline(documentId)).recipients.map((r) => [r.organId, r.timeline[0]?.type, r.timeline[0]?.peerId]),
    [[VIETTEL_RECIPIENT, 'sent-to-peer', 'axis']],
    "A's timeline: sent to the axis",
  );
  let atB: Awaited<ReturnType<typeof inbox>> = [];
  await eventually(async () => (atB = await inbox(b, viettel)).length === 1, 20_000, 'delivered at B');
  const delivery = atB[0]!;
  t.match(delivery, { kind: 'document', from: VNPT_SENDER, to: VIETTEL_RECIPIENT });
  const content = await get(b, viettel, `/v1/deliveries/${delivery.deliveryId}/content?format=edxml`);
  t.same(await hopsOf(content.body), ['01.02.G22', A, AXIS, B], "the delivered edXML: the sender's hop, then A, the axis and B, in order");
  const delivered = await parseEdxml(content.body, { attachments: memoryAttachmentStore() });
  const original = await parseEdxml(real('edoc.edxml'), { attachments: memoryAttachmentStore() });
  if (delivered.kind !== 'document' || original.kind !== 'document') throw new Error('not documents');
  t.same(
    delivered.document.attachments.map((x) => x.sha256),
    original.document.attachments.map((x) => x.sha256),
    'the attachments arrive byte for byte',
  );
  t.equal((await post(b, viettel, `/v1/deliveries/${delivery.deliveryId}/ack`, {})).statusCode, 204);
  const bDocumentId = delivery.documentId;
  // the sender's timeline shows each hub's hand-over: A's to the axis, and at the axis, the axis's to B
  await eventually(
    async () => (await timeline(documentId)).recipients[0]!.timeline.some((s) => s.type === 'accepted-by-peer'),
    20_000,
    "A's timeline: the axis accepted the transfer",
  );
  t.match(
    (await timeline(documentId)).recipients[0]!.timeline.slice(0, 2),
    [
      { type: 'sent-to-peer', peerId: 'axis', transfer: { status: 'delivered', lastError: null } },
      { type: 'accepted-by-peer', peerId: 'axis' },
    ],
    "A's timeline: sent to the axis, accepted by it",
  );
  const atAxis = await documentIdAt(axis, delivered.document.header.documentId!);
  t.ok(atAxis, "the axis's copy of the document");
  await eventually(
    async () =>
      (await get(axis, axis.hub.admin, `/v1/documents/${atAxis}`))
        .json<Timeline>()
        .recipients[0]!.timeline.some((s) => s.type === 'accepted-by-peer' && s.peerId === 'b'),
    20_000,
    "the axis's timeline (a forwarded document: the transfer known by A's id): B accepted it",
  );

  // 2. sending the same package again is the same document: nothing new crosses
  const again = await post(a, vnpt, '/v1/documents', real('edoc.edxml'));
  t.equal(again.json<{ documentId: string }>().documentId, documentId);

  // 3. status 03 from B back into A's timeline and the sender's inbox
  t.equal((await post(b, viettel, `/v1/documents/${bDocumentId}/status`, { statusCode: '03' })).statusCode, 202);
  await eventually(async () => (await timeline(documentId)).recipients[0]?.status === '03', 20_000, "03 in A's timeline");
  t.match(
    (await inbox(a, vnpt)).filter((d) => d.kind === 'status'),
    [{ statusCode: '03', from: VIETTEL_RECIPIENT, to: VNPT_SENDER, documentId }],
  );

  // 4. a recall across hubs: 13 from A reaches B, B agrees (15), A sees it
  t.equal((await post(a, vnpt, `/v1/documents/${documentId}/status`, { statusCode: '13', description: 'gửi nhầm' })).statusCode, 202);
  await eventually(async () => (await inbox(b, viettel)).some((d) => d.statusCode === '13'), 20_000, '13 at B');
  t.equal((await post(b, viettel, `/v1/documents/${bDocumentId}/status`, { statusCode: '15' })).statusCode, 202);
  await eventually(async () => (await timeline(documentId)).recipients[0]?.status === '15', 20_000, "15 in A's timeline");
  t.same(
    (await timeline(documentId)).recipients[0]!.timeline.filter((s) => s.type === 'status').map((s) => s.statusCode),
    ['03', '13', '15'],
    "A's timeline for the recipient in B: 03, the recall, its answer",
  );

  // 5. a real revocation: its original first (G22 in A to H41 in B), then edoc_revocation (To H41, H14 in B and G17 in A)
  const revocation = await parseEdxml(real('edoc_revocation.edxml'), { attachments: memoryAttachmentStore() });
  if (revocation.kind !== 'document') throw new Error('not a document');
  const store = memoryAttachmentStore();
  const originalXml = await renderEdxml(
    {
      ...revocation.document,
      header: { ...revocation.document.header, to: [{ organId: H41 }] },
      business: { ...revocation.document.business!, docType: 0 },
      attachments: [],
    },
    { attachments: store },
  );
  const first = await post(a, vnpt, '/v1/documents', originalXml);
  t.equal(first.statusCode, 202, first.body);
  await eventually(async () => (await inbox(b, viettel)).some((d) => d.to === H41), 20_000, 'the original at H41');
  const revoke = await post(a, vnpt, '/v1/documents', real('edoc_revocation.edxml'));
  t.equal(revoke.statusCode, 202, revoke.body);
  t.same(
    revoke
      .json<{ recipients: Array<{ organId: string }> }>()
      .recipients.map((r) => r.organId)
      .sort(),
    [G17, H14, H41].sort(),
    'local G17 and remote H41, H14',
  );
  await eventually(
    async () => (await inbox(b, viettel)).filter((d) => d.kind === 'document' && d.to !== VIETTEL_RECIPIENT).length === 3,
    20_000,
    'the revocation at H41 and H14',
  );
  t.equal((await inbox(a, vnpt)).filter((d) => d.kind === 'document' && d.to === G17).length, 1, 'and at G17 in A, delivered locally');
  const originalAtB = (await inbox(b, viettel)).find((d) => d.to === H41)!.documentId;
  await eventually(
    async () => (await get(b, viettel, `/v1/documents/${originalAtB}`)).json<Timeline>().revisedBy.some((r) => r.kind === 'revoke'),
    20_000,
    'B records the revoke on its copy of the original',
  );

  // 6. B down for a while: the axis keeps the transfer, then delivers it once
  await b.stop();
  const whileDown = await post(a, vnpt, '/v1/documents', await withDocumentId(real('edoc.edxml'), 'while-b-down'));
  t.equal(whileDown.statusCode, 202, whileDown.body);
  await eventually(
    async () =>
      (await get(axis, axis.hub.admin, '/v1/admin/peers/b')).json<{ outbox: { failuresSinceStart: number } }>().outbox.failuresSinceStart >
      0,
    20_000,
    'the axis failed to reach B',
  );
  // the axis's timeline says why B has not got it yet
  const whileDownAtAxis = await documentIdAt(axis, 'while-b-down');
  const sentToB = async () =>
    (await get(axis, axis.hub.admin, `/v1/documents/${whileDownAtAxis}`)).json<Timeline>().recipients[0]!.timeline[0]!;
  await eventually(async () => ((await sentToB()).transfer?.attempts ?? 0) > 0, 20_000, "a failed attempt in the axis's timeline");
  t.match(
    await sentToB(),
    { type: 'sent-to-peer', peerId: 'b', transfer: { status: 'pending', lastError: /network|timeout|http/ } },
    "the axis's timeline: the transfer to B pending, with its last failure",
  );
  // every transfer keeps a reference to the document its hub stored, not a second copy of the edXML
  for (const h of [a, axis]) {
    const queued = await transfersQueued(h);
    t.ok(queued.length > 0, `${h.organId} queued transfers`);
    t.ok(
      queued.every((q) => q.edxml === undefined && typeof q.source === 'string' && q.source.length < 1000),
      `${h.organId}'s TransferQueued events hold a source, no edXML`,
    );
  }
  // the axis restarted while B is down: the pending transfer's edXML is rendered again from its store
  await axis.restart();
  await b.restart();
  await eventually(
    async () => (await inbox(b, viettel)).filter((d) => d.kind === 'document' && d.to === VIETTEL_RECIPIENT).length === 1,
    30_000,
    'delivered once B is back',
  );
  const documentsAtB = (await inbox(b, viettel)).filter((d) => d.kind === 'document');
  t.equal(new Set(documentsAtB.map((d) => d.deliveryId)).size, documentsAtB.length, 'nothing delivered twice');
  await eventually(
    async () => (await get(axis, axis.hub.admin, '/v1/admin/peers/b')).json<{ outbox: { depth: number } }>().outbox.depth === 0,
    20_000,
    "the axis's outbox to B is empty once B's answer is recorded",
  );

  // 7. once A knows who the axis serves (directory exchange), an unknown remote recipient is refused at A
  t.equal((await post(a, a.hub.admin, '/v1/admin/peers/axis/sync', {})).statusCode, 200);
  const unknown = await post(a, vnpt, '/v1/documents', await withDocumentId(real('edoc.edxml'), 'to-nobody'));
  t.equal(unknown.statusCode, 422);
  t.match(unknown.json(), { status: 422, detail: new RegExp(VIETTEL_RECIPIENT) }, 'the 422 names the recipient the axis does not list');

  // 8. a transfer whose edXML document routing's reader refuses (read once, at B): 400, recorded, nothing delivered
  const before = (await inbox(b, viettel)).length;
  const broken = await postSigned(
    axis,
    `${b.baseUrl}/v1/federation/documents?origin=${A}&documentId=broken-1&to=${VIETTEL_RECIPIENT}`,
    real('edoc.edxml').replace('</edXML:MessageHeader>', ''),
  );
  t.equal(broken.status, 400);
  t.match(await broken.json(), { status: 400, reason: 'malformed-edxml' }, 'problem+json naming the reason');
  const refusals = (await get(b, b.hub.admin, '/v1/admin/federation/refusals?reason=malformed-edxml')).json<{
    refusals: Array<{ reason: string; peerId: string }>;
  }>();
  t.match(refusals.refusals, [{ reason: 'malformed-edxml', peerId: 'axis' }], 'the refusal is recorded');
  t.equal((await inbox(b, viettel)).length, before, 'nothing delivered');
}

/** The package with another MessageHeader/DocumentId (another document for the hub). */
async function withDocumentId(xml: string, id: string): Promise<string> {
  const store = memoryAttachmentStore();
  const message = await parseEdxml(xml, { attachments: store });
  if (message.kind !== 'document') throw new Error('not a document');
  return renderEdxml({ ...message.document, header: { ...message.document.header, documentId: id } }, { attachments: store });
}

t.test('three hubs on SQLite: A → axis → B and back', (t) => scenario(t, () => Promise.resolve({})));

t.test('three hubs, each on its own NATS server', async (t) => {
  if (!requireNatsServer(t)) return;
  await scenario(t, async () => {
    const nats = await startNatsServer({ jetstream: true });
    t.teardown(() => nats.stop());
    return { LT_NATS_URL: nats.url };
  });
});
