import { DomainError, assertNever, type Decider } from '@lienthong/decider';
import type { DeliveryEvent } from './events.js';

export type AcknowledgeDelivery = {
  type: 'AcknowledgeDelivery';
  data: { deliveryId: string; documentId: string; organId: string; kind: 'document' | 'status'; callerOrganIds: readonly string[] };
};
export type DeliveryCommand = AcknowledgeDelivery;

export type DeliveryState = { readonly acknowledged: boolean };

/**
 * A delivery is created pending by the document's own events; its stream only records that the
 * recipient took it. Acknowledging twice changes nothing; someone else's delivery does not exist for the caller.
 */
export const deliveryDecider: Decider<DeliveryState, DeliveryCommand, DeliveryEvent> = {
  initialState: () => ({ acknowledged: false }),
  decide(command, state) {
    switch (command.type) {
      case 'AcknowledgeDelivery': {
        const { callerOrganIds, ...data } = command.data;
        if (!callerOrganIds.includes(data.organId)) throw new DomainError('not-found', `no delivery ${data.deliveryId}`);
        return state.acknowledged ? [] : [{ type: 'DeliveryAcknowledged', data }];
      }
      default:
        return assertNever(command.type, 'command');
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'DeliveryAcknowledged':
        return { acknowledged: true };
      default:
        return assertNever(event.type, 'event');
    }
  },
};
