/**
 * Three real hubs on loopback: province A, the national axis, province B. A document from A to
 * an agency of B goes through the axis (A's default route), each hop appending its TraceHeader
 * with edxml's exported rendering; a status 03 comes back the same way. The axis may forward
 * for anyone; a province may not.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { memoryAttachmentStore, parseEdxml, renderEdxml, renderStatus, StatusCode } from '@lienthong/edxml';
import { eventually } from '@lienthong/testing';
import type { FederationInbound, FederationOutbound } from '@lienthong/federation-contract';
import { edoc, startFederatedHub, type FederatedHub } from './test/hubs.js';
import { addPeer } from './testing.js';

const A = '000.00.00.H13';
const AXIS = '000.00.00.G01';
const B = '000.00.00.H51';
const SENDER = '002.00.20.H13';
const RECIPIENT = '000.00.15.H51';

/** Renders a message again with this hub's TraceHeader appended (what document routing does on delivery). */
async function withHop(edxml: string, outbound: FederationOutbound): Promise<string> {
  const store = memoryAttachmentStore();
  const message = await parseEdxml(edxml, { attachments: store });
  const extraTraceHeader = outbound.traceHeader();
  return message.kind === 'document'
    ? renderEdxml(message.document, { attachments: store, extraTraceHeader })
    : renderStatus(message.status, { extraTraceHeader });
}

const hops = async (edxml: string) => {
  const message = await parseEdxml(edxml, { attachments: memoryAttachmentStore() });
  return (message.kind === 'document' ? message.document.traceHeaders : message.status.traceHeaders).map((h) => h.organId);
};

t.test('A → axis → B, status back', async (t) => {
  let axisOutbound: FederationOutbound | undefined;
  // The axis forwards whatever it receives to the recipients' peers (document routing's job once wired).
  const forward: FederationInbound = {
    acceptDocument: async (transfer) => {
      if (transfer.message.kind !== 'document') return { duplicate: false };
      await axisOutbound!.queueDocument({
        documentId: transfer.documentId,
        origin: transfer.origin,
        recipients: transfer.message.document.header.to.map((o) => o.organId),
        edxml: await withHop(transfer.edxml, axisOutbound!),
      });
      return { duplicate: false }; // queuing again is a no-op
    },
    acceptStatus: async (transfer) => {
      if (transfer.message.kind !== 'status') return { duplicate: false };
      await axisOutbound!.queueStatus({
        documentId: transfer.documentId,
        origin: transfer.origin,
        recipients: [transfer.message.status.responseFor.organId],
        edxml: await withHop(transfer.edxml, axisOutbound!),
      });
      return { duplicate: false }; // queuing again is a no-op
    },
  };
  const a = await startFederatedHub(A);
  const axis = await startFederatedHub(AXIS, {
    federation: {
      inbound: forward,
      onReady: (h) => {
        axisOutbound = h.outbound;
      },
    },
  });
  const b = await startFederatedHub(B);
  const hubs: FederatedHub[] = [a, axis, b];
  t.teardown(() => Promise.all(hubs.map((h) => h.close())));
  await addPeer(a, 'axis', axis, ['*'], 'axis');
  await addPeer(b, 'axis', axis, ['*'], 'axis');
  await addPeer(axis, 'a', a, ['*.H13']);
  await addPeer(axis, 'b', b, ['*.H51']);

  // 1. A sends the real sample (From 002.00.20.H13, To 000.00.15.H51): its only route is the axis
  t.equal(a.federation.outbound.resolve(RECIPIENT)?.peerId, 'axis');
  await a.federation.outbound.queueDocument({
    documentId: 'doc-axis',
    recipients: [RECIPIENT],
    edxml: await withHop(edoc(), a.federation.outbound),
  });
  await eventually(() => b.received.length === 1, 15_000, 'B received the document through the axis');
  const atB = b.received[0]!;
  t.equal(atB.peerId, 'axis', 'the last hop was the axis');
  t.equal(atB.origin, A, 'the origin stays A');
  t.same(await hops(atB.edxml), ['01.02.G22', A, AXIS], 'each hub appended its TraceHeader, in order');
  t.same(await hops(await withHop(atB.edxml, b.federation.outbound)), ['01.02.G22', A, AXIS, B], 'delivered at B: A, axis, B');

  // 2. status 03 from B's recipient back to the sender in A
  const statusFixture = readFileSync(new URL('../../../packages/edxml/src/test/status-soap-header.edxml', import.meta.url));
  const parsed = await parseEdxml(statusFixture, { attachments: memoryAttachmentStore() });
  if (parsed.kind !== 'status') throw new Error('not a status');
  const status = renderStatus(
    {
      ...parsed.status,
      from: { ...parsed.status.from, organId: RECIPIENT },
      responseFor: { ...parsed.status.responseFor, organId: SENDER },
      statusCode: StatusCode.accepted,
      traceHeaders: [],
    },
    { extraTraceHeader: b.federation.outbound.traceHeader() },
  );
  await b.federation.outbound.queueStatus({ documentId: 'status-1', recipients: [SENDER], edxml: status });
  await eventually(() => a.received.length === 1, 15_000, 'A received the status through the axis');
  const atA = a.received[0]!;
  t.equal(atA.message.kind, 'status');
  t.equal(atA.message.kind === 'status' ? atA.message.status.statusCode : null, '03');
  t.same(await hops(atA.edxml), [B, AXIS]);

  // 3. the axis speaks for anyone at B; a province does not
  const refusals = async (hub: FederatedHub) =>
    (await hub.hub.app.inject({ method: 'GET', url: '/v1/admin/federation/refusals', headers: hub.hub.admin })).json<{
      refusals: Array<{ reason: string }>;
    }>().refusals;
  t.same(await refusals(b), [], 'B refused nothing from the axis');
  t.same(await refusals(axis), [], 'the axis refused nothing');
});
