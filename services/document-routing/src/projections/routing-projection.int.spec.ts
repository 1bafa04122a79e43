import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '@lienthong/testing';
import { createSqliteEventStore } from '@lienthong/event-store';
import { createProjectionRunner, type Projection } from '@lienthong/projections';
import { routingProjection, type DeliveryView } from './routing-projection.js';

const meta = { correlationId: 'c1', actor: 'test', at: '2026-11-22T00:00:00.000Z' };

const submitted = (documentId: string, to: string) => ({
  type: 'DocumentSubmitted',
  metadata: meta,
  data: {
    documentId,
    sender: { organId: 'A', systemId: 'sys-a' },
    edxmlDocumentId: null,
    idempotency: { key: documentId, bodySha256: 'x' },
    format: 'json',
    document: { header: { subject: `subject ${documentId}` }, attachments: [] },
    signature: { status: 'absent' },
    recipients: [{ organId: to, deliveryId: `del-${documentId}`, via: 'to' }],
    revises: [],
  },
});

t.test('a delivery is pushed once its batch committed, never from a batch that rolled back', async (t) => {
  const dir = tempDir(t, 'lt-routing-');
  const store = createSqliteEventStore({ file: join(dir, 'events.sqlite') });
  t.teardown(() => store.close());
  const pushed: Array<{ deliveryId: string; inInbox: boolean }> = [];
  let failing = true;
  const base = routingProjection({
    // What a pushed client does next: read the delivery from the read model.
    onDelivery: (d: DeliveryView) =>
      pushed.push({
        deliveryId: d.deliveryId,
        inInbox: runner.db().prepare('SELECT 1 FROM deliveries WHERE delivery_id = ?').get(d.deliveryId) !== undefined,
      }),
  });
  // The second event of the batch fails: the first one's delivery is rolled back with it.
  const projection: Projection<DeliveryView> = {
    ...base,
    apply(db, event) {
      const created = base.apply(db, event);
      if (failing && event.stream === 'document-d2') throw new Error('boom');
      return created;
    },
  };
  const runner = createProjectionRunner({ projection, store, dir: join(dir, 'p'), logger: { info() {}, warn() {}, error() {} } });
  t.teardown(() => runner.stop());
  await store.append('document-d1', [submitted('d1', 'B')]);
  const last = await store.append('document-d2', [submitted('d2', 'C')]);
  await runner.start();
  await new Promise((r) => setTimeout(r, 300));
  t.same(pushed, [], 'nothing pushed while the batch keeps rolling back');
  failing = false;
  await runner.waitFor(last.position, 5000);
  t.same(
    pushed,
    [
      { deliveryId: 'del-d1', inInbox: true },
      { deliveryId: 'del-d2', inInbox: true },
    ],
    'each pushed once, readable when pushed',
  );
});

t.test("the read model keeps a document's metadata, not its content (read from its DocumentSubmitted)", async (t) => {
  const dir = tempDir(t, 'lt-routing-');
  const store = createSqliteEventStore({ file: join(dir, 'events.sqlite') });
  t.teardown(() => store.close());
  const runner = createProjectionRunner({
    projection: routingProjection(),
    store,
    dir: join(dir, 'p'),
    logger: { info() {}, warn() {}, error() {} },
  });
  t.teardown(() => runner.stop());
  const last = await store.append('document-d1', [submitted('d1', 'B')]);
  await runner.start();
  await runner.waitFor(last.position, 5000);
  const row = runner.db().prepare('SELECT * FROM documents WHERE document_id = ?').get('d1') as Record<string, unknown>;
  t.equal(row.subject, 'subject d1', 'its metadata');
  t.notOk(
    Object.values(row).some((value) => typeof value === 'string' && value.includes('"header"')),
    'no copy of the content',
  );
});
