import t from 'tap';
import type { DeliveryView } from '../projections/routing-projection.js';
import { createDeliveryFanOut } from './delivery-fan-out.js';

const delivery = (deliveryId: string, to: string): DeliveryView => ({
  deliveryId,
  kind: 'document',
  documentId: 'doc-1',
  statusId: null,
  from: 'G01',
  to,
  subject: 'Công văn',
  statusCode: null,
  createdAt: '2026-11-22T00:00:00.000Z',
  acknowledgedAt: null,
  position: 1,
});

t.test('fan-out: each delivery to the listeners of its addressee, until they unsubscribe', async (t) => {
  const deliveries = createDeliveryFanOut();
  deliveries.publish(delivery('d0', 'G02')); // nobody listens yet: dropped, the backlog has it
  const got: Record<string, string[]> = { a: [], b: [] };
  const offA = deliveries.subscribe(['G02', 'G03'], (d) => got.a!.push(d.deliveryId));
  deliveries.subscribe(['G03'], (d) => got.b!.push(d.deliveryId));
  const { publish } = deliveries; // handed to the projection unbound
  publish(delivery('d1', 'G02'));
  publish(delivery('d2', 'G03'));
  publish(delivery('d3', 'G04'));
  offA();
  publish(delivery('d4', 'G02'));
  publish(delivery('d5', 'G03'));
  t.same(got, { a: ['d1', 'd2'], b: ['d2', 'd5'] });
});
