import t from 'tap';
import { sampleDocument } from '../test/helpers.js';
import { serviceFixture } from '../test/service-context.js';
import { acknowledgeDelivery } from './acknowledge-delivery.js';
import { submitDocument } from './submit-document.js';

t.test('a recipient acknowledges its delivery; others cannot tell it exists', async (t) => {
  const { ctx, system, context } = await serviceFixture(t, ['A', 'B', 'C']);
  const sent = await submitDocument(ctx)({ kind: 'json', value: sampleDocument({ from: 'A', to: ['B', 'C'] }) }, system('A'), context);
  const acknowledge = acknowledgeDelivery(ctx);
  const toB = sent.recipients.find((r) => r.organId === 'B')!.deliveryId;

  await t.rejects(acknowledge(toB, system('C'), context), { code: 'LT_NOT_FOUND' }, 'someone else’s: like a missing one');
  await t.rejects(acknowledge(toB, system('A'), context), { code: 'LT_NOT_FOUND' }, 'the sender is not the recipient');
  await t.rejects(acknowledge('00000000-0000-4000-8000-000000000000', system('B'), context), { code: 'LT_NOT_FOUND' });
  t.equal(ctx.view.delivery(toB)?.acknowledgedAt, null);

  await acknowledge(toB, system('B'), context);
  const acknowledgedAt = ctx.view.delivery(toB)?.acknowledgedAt;
  t.type(acknowledgedAt, 'string', 'in the inbox once answered (wait)');
  t.same(ctx.view.pending(['B'], 10), [], 'no longer pending');
  await acknowledge(toB, system('B'), context);
  t.equal(ctx.view.delivery(toB)?.acknowledgedAt, acknowledgedAt, 'acknowledging again changes nothing');
  t.equal(ctx.view.pending(['C'], 10).length, 1, 'the other recipient’s delivery untouched');
});
