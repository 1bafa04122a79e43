import { handleCommand, type CommandContext } from '@lienthong/decider';
import { notFound } from '@lienthong/service-kit';
import { deliveryDecider } from '../domain/delivery-decider.js';
import { DocumentStreams } from '../domain/events.js';
import type { ServiceContext, SystemPrincipal } from './context.js';

/** `POST /v1/deliveries/:deliveryId/ack` and the stream's `ack`: a delivery of the caller's, acknowledged. */
export function acknowledgeDelivery(ctx: ServiceContext) {
  const { store, view } = ctx;

  /** `wait` makes the inbox reflect the acknowledgement before returning. */
  return async function acknowledge(deliveryId: string, principal: SystemPrincipal, context: CommandContext, wait = true): Promise<void> {
    const delivery = view.deliveryAddress(deliveryId);
    // Someone else's delivery is answered like a missing one: its id must not confirm it exists.
    if (!delivery || !principal.organIds.includes(delivery.to)) throw notFound(`no delivery ${deliveryId}`);
    const result = await handleCommand(
      store,
      deliveryDecider,
      DocumentStreams.delivery(deliveryId),
      {
        type: 'AcknowledgeDelivery',
        data: {
          deliveryId,
          documentId: delivery.documentId,
          organId: delivery.to,
          kind: delivery.kind,
          callerOrganIds: principal.organIds,
        },
      },
      context,
    );
    const last = result.appended.at(-1);
    if (wait && last) await ctx.waitFor(last);
  };
}
