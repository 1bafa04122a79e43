import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { deliveryDecider } from './delivery-decider.js';
import { documentDecider, type RecallAddressee, type ReportStatus, type SubmitDocument } from './document-decider.js';
import type { DocumentEvent, DocumentSubmitted } from './events.js';
import { deliveryIdFor, derivedId, statusIdFor } from './ids.js';
import { sampleDocument } from '../test/helpers.js';

const DOC = 'd0c00000-0000-8000-8000-000000000001';
const ORIGINAL = 'd0c00000-0000-8000-8000-000000000000';

const submit = (over: Partial<SubmitDocument['data']> = {}): SubmitDocument => ({
  type: 'SubmitDocument',
  data: {
    documentId: DOC,
    systemId: 'sys-1',
    callerOrganIds: ['H40'],
    requireValidSignature: false,
    from: { given: 'H40', organId: 'H40' },
    to: [
      { given: 'H40.12', organId: 'H40.12' },
      { given: '000.00.13.H40', organId: 'H40.13' },
    ],
    references: [],
    edxmlDocumentId: 'H40,2026/01/15,1/UBND',
    idempotency: { key: 'k1', bodySha256: 'aa' },
    format: 'edxml',
    document: sampleDocument({ from: 'H40', to: ['H40.12', '000.00.13.H40'] }),
    signature: { status: 'absent' },
    ...over,
  },
});

const submitted = (over: Partial<SubmitDocument['data']> = {}): DocumentSubmitted =>
  documentDecider.decide(submit(over), documentDecider.initialState())[0] as DocumentSubmitted;

const status = (over: Partial<ReportStatus['data']> = {}): ReportStatus => ({
  type: 'ReportStatus',
  data: {
    callerOrganIds: ['H40.12'],
    from: { given: 'H40.12', organId: 'H40.12' },
    key: 's1',
    statusCode: '03',
    description: null,
    staff: null,
    timestamp: '2026-01-15T09:00:00+07:00',
    status: {
      from: { organId: 'H40.12' },
      responseFor: { organId: 'H40', code: '1/UBND' },
      statusCode: '03',
      timestamp: '2026-01-15T09:00:00+07:00',
      traceHeaders: [],
      variant: { namespaceStyle: 'prefixed', timestampFormat: 'yyyy/MM/dd', soapEnvelope: false },
    },
    addressee: null,
    ...over,
  },
});

t.test('submission creates one delivery per resolved recipient, in the same event', async (t) => {
  const event = submitted();
  t.equal(event.type, 'DocumentSubmitted');
  t.same(event.data.recipients, [
    { organId: 'H40.12', deliveryId: deliveryIdFor(DOC, 'H40.12'), via: 'to' },
    { organId: 'H40.13', deliveryId: deliveryIdFor(DOC, 'H40.13'), via: 'to' },
  ]);
  t.same(event.data.sender, { organId: 'H40', systemId: 'sys-1' });
});

t.test('the sender must be one the system acts for', async (t) => {
  spec(documentDecider)
    .given([])
    .when(submit({ callerOrganIds: ['H41'] }))
    .thenThrows(t, { kind: 'forbidden' });
  spec(documentDecider)
    .given([])
    .when(submit({ from: { given: 'nowhere', organId: null } }))
    .thenThrows(t, { kind: 'forbidden' });
});

t.test('unknown recipients are all named', async (t) => {
  spec(documentDecider)
    .given([])
    .when(
      submit({
        to: [
          { given: 'X1', organId: null },
          { given: 'H40.12', organId: 'H40.12' },
          { given: 'X2', organId: null },
        ],
      }),
    )
    .thenThrows(t, { kind: 'unprocessable', facts: { unknown: ['X1', 'X2'] } });
});

t.test('idempotency: same body → nothing new; another body → conflict', async (t) => {
  const first = submitted();
  spec(documentDecider).given([first]).when(submit()).then(t, []);
  spec(documentDecider)
    .given([first])
    .when(submit({ idempotency: { key: 'k1', bodySha256: 'bb' } }))
    .thenThrows(t, { kind: 'idempotency-mismatch' });
});

t.test('requireValidSignature refuses unsigned and invalid documents', async (t) => {
  spec(documentDecider)
    .given([])
    .when(submit({ requireValidSignature: true }))
    .thenThrows(t, { kind: 'unprocessable', facts: { signature: 'absent' } });
  spec(documentDecider)
    .given([])
    .when(submit({ requireValidSignature: true, signature: { status: 'invalid', reason: 'digest' } }))
    .thenThrows(t, { kind: 'unprocessable' });
  t.equal(submitted({ requireValidSignature: true, signature: { status: 'valid' } }).type, 'DocumentSubmitted');
});

t.test('a revision reaches the original recipients too; unknown references are refused', async (t) => {
  const event = submitted({
    references: [{ given: 'H40,2026/01/01,1/UBND', kind: 'revoke', documentId: ORIGINAL, recipients: ['H40.12', 'H40.99'] }],
  });
  t.same(
    event.data.recipients.map((r) => [r.organId, r.via]),
    [
      ['H40.12', 'to'],
      ['H40.13', 'to'],
      ['H40.99', 'revision'],
    ],
  );
  t.same(event.data.revises, [{ documentId: ORIGINAL, kind: 'revoke' }]);
  spec(documentDecider)
    .given([])
    .when(submit({ references: [{ given: 'nope', kind: 'update', documentId: null, recipients: [] }] }))
    .thenThrows(t, { kind: 'unprocessable', facts: { unknownReferences: ['nope'] } });
});

t.test('revisions are recorded on the original once', async (t) => {
  const original = submitted();
  const revised: DocumentEvent = { type: 'DocumentRevised', data: { documentId: DOC, revisionId: 'r1', kind: 'replace', reason: null } };
  spec(documentDecider)
    .given([original])
    .when({ type: 'RecordRevision', data: { revisionId: 'r1', kind: 'replace', reason: null } })
    .then(t, [revised]);
  spec(documentDecider)
    .given([original, revised])
    .when({ type: 'RecordRevision', data: { revisionId: 'r1', kind: 'replace', reason: null } })
    .then(t, []);
});

t.test('status messages: recipient → sender, 13 sender → addressed recipient, others refused', async (t) => {
  const original = submitted();
  const [reported] = documentDecider.decide(status(), documentDecider.evolve(documentDecider.initialState(), original));
  const statusId = statusIdFor(DOC, 'H40.12', 's1');
  const { callerOrganIds: _c, key: _k, addressee: _a, from: _f, ...carried } = status().data;
  t.same(reported?.data, {
    ...carried,
    documentId: DOC,
    statusId,
    from: 'H40.12',
    deliveries: [{ organId: 'H40', deliveryId: deliveryIdFor(statusId, 'H40') }],
  });
  t.equal(reported?.type, 'StatusReported');
  // the same status again changes nothing
  spec(documentDecider).given([original, reported!]).when(status()).then(t, []);
  // not a recipient
  spec(documentDecider)
    .given([original])
    .when(status({ callerOrganIds: ['H41'], from: { given: 'H41', organId: 'H41' } }))
    .thenThrows(t, { kind: 'forbidden' });
  // acting for someone else
  spec(documentDecider)
    .given([original])
    .when(status({ callerOrganIds: ['H40.13'] }))
    .thenThrows(t, { kind: 'forbidden' });
  // the sender cannot report 03 on its own document, but can request a recall
  spec(documentDecider)
    .given([original])
    .when(status({ callerOrganIds: ['H40'], from: { given: 'H40', organId: 'H40' } }))
    .thenThrows(t, { kind: 'forbidden' });
  const state = documentDecider.evolve(documentDecider.initialState(), original);
  const recallTo = (addressee: RecallAddressee | null) =>
    (
      documentDecider.decide(
        status({ callerOrganIds: ['H40'], from: { given: 'H40', organId: 'H40' }, statusCode: '13', addressee }),
        state,
      )[0]?.data as { deliveries: Array<{ organId: string }> }
    ).deliveries.map((d) => d.organId);
  const every = state.exists ? state.recipients.map((r) => r.organId) : [];
  t.ok(every.length > 1, 'the document has several recipients');
  t.same(recallTo({ given: 'H40.13', organId: 'H40.13', otherwise: 'refuse' }), ['H40.13'], 'the recipient asked');
  t.same(recallTo(null), every, 'no addressee: every recipient');
  // edXML's ResponseFor names the issuer in most messages: not a recipient means every recipient
  t.same(recallTo({ given: 'H40', organId: 'H40', otherwise: 'every-recipient' }), every, 'edXML: the issuer named');
  t.same(recallTo({ given: 'X.99', organId: null, otherwise: 'every-recipient' }), every, 'edXML: an unknown organisation named');
  // the short form names the recipient on purpose: one that did not receive it is refused, by name
  for (const named of [
    { given: 'H41', organId: 'H41' },
    { given: 'X.99', organId: null },
  ])
    spec(documentDecider)
      .given([original])
      .when(
        status({
          callerOrganIds: ['H40'],
          from: { given: 'H40', organId: 'H40' },
          statusCode: '13',
          addressee: { ...named, otherwise: 'refuse' },
        }),
      )
      .thenThrows(t, { kind: 'unprocessable', facts: { unknown: [named.given] } });
  // a recipient asking for a recall learns nothing about the other recipients: refused as not the sender first
  spec(documentDecider)
    .given([original])
    .when(status({ statusCode: '13', addressee: { given: 'H41', organId: 'H41', otherwise: 'refuse' } }))
    .thenThrows(t, { kind: 'forbidden' });
  spec(documentDecider).given([]).when(status()).thenThrows(t, { kind: 'not-found' });
});

t.test('acknowledgement is idempotent and only for the recipient', async (t) => {
  const ack = {
    type: 'AcknowledgeDelivery' as const,
    data: { deliveryId: 'x', documentId: DOC, organId: 'H40.12', kind: 'document' as const, callerOrganIds: ['H40.12'] },
  };
  const event = {
    type: 'DeliveryAcknowledged' as const,
    data: { deliveryId: 'x', documentId: DOC, organId: 'H40.12', kind: 'document' as const },
  };
  spec(deliveryDecider).given([]).when(ack).then(t, [event]);
  spec(deliveryDecider).given([event]).when(ack).then(t, []);
  spec(deliveryDecider)
    .given([])
    .when({ ...ack, data: { ...ack.data, callerOrganIds: ['H40.13'] } })
    .thenThrows(t, { kind: 'not-found' });
});

t.test('derived ids are stable UUIDs', async (t) => {
  t.equal(derivedId('a', 'b'), derivedId('a', 'b'));
  t.not(derivedId('a', 'b'), derivedId('ab'));
  t.match(derivedId('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

t.test('federation: a recipient behind a peer hub is routed there, in the same append', async (t) => {
  const remote = submit({
    to: [
      { given: 'H40.12', organId: 'H40.12' },
      { given: '000.00.15.H51', organId: '000.00.15.H51' },
    ],
    remote: { '000.00.15.H51': 'axis' },
  });
  const [event, request] = documentDecider.decide(remote, documentDecider.initialState());
  t.same((event as DocumentSubmitted).data.recipients, [
    { organId: 'H40.12', deliveryId: deliveryIdFor(DOC, 'H40.12'), via: 'to' },
    { organId: '000.00.15.H51', deliveryId: deliveryIdFor(DOC, '000.00.15.H51'), via: 'to', peerId: 'axis' },
  ]);
  t.same(request, {
    type: 'PeerTransferRequested',
    data: { documentId: DOC, kind: 'document', messageId: DOC, recipients: ['000.00.15.H51'], origin: null },
  });
  // every local: no request
  t.equal(documentDecider.decide(submit(), documentDecider.initialState()).length, 1);
});

t.test('federation: a document from a peer keeps its origin; a status for its sender goes back to that peer', async (t) => {
  const origin = { hub: '000.00.00.H13', messageId: 'at-a', peerId: 'axis' };
  const fromPeer = submitted({
    from: { given: '002.00.20.H13', organId: '002.00.20.H13' },
    callerOrganIds: ['002.00.20.H13'],
    to: [{ given: 'H40.12', organId: 'H40.12' }],
    origin,
  });
  t.same(fromPeer.data.origin, origin);
  const statusId = statusIdFor(DOC, 'H40.12', 's1');
  spec(documentDecider)
    .given([fromPeer])
    .when(status())
    .then(t, [
      {
        type: 'StatusReported',
        data: {
          documentId: DOC,
          statusId,
          from: 'H40.12',
          statusCode: '03',
          description: null,
          staff: null,
          timestamp: status().data.timestamp,
          status: status().data.status,
          deliveries: [{ organId: '002.00.20.H13', deliveryId: deliveryIdFor(statusId, '002.00.20.H13'), peerId: 'axis' }],
        },
      },
      {
        type: 'PeerTransferRequested',
        data: { documentId: DOC, kind: 'status', messageId: statusId, recipients: ['002.00.20.H13'], origin: null },
      },
    ]);
});

t.test('federation: a recall (13) names a recipient behind a peer as given', async (t) => {
  const withRemote = submitted({
    to: [{ given: '000.00.15.H51', organId: '000.00.15.H51' }],
    remote: { '000.00.15.H51': 'axis' },
  });
  const [reported] = documentDecider.decide(
    status({
      callerOrganIds: ['H40'],
      from: { given: 'H40', organId: 'H40' },
      statusCode: '13',
      addressee: { given: '000.00.15.H51', organId: null, otherwise: 'refuse' },
    }),
    documentDecider.evolve(documentDecider.initialState(), withRemote),
  );
  t.match(reported, { type: 'StatusReported', data: { deliveries: [{ organId: '000.00.15.H51', peerId: 'axis' }] } });
});
