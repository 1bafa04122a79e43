import { assertNever, DomainError, DomainErrorKind, type Decider } from '@lienthong/decider';
import type { PeerData, PeerEvent } from '../events.js';

export type PeerCommand =
  { readonly type: 'RegisterPeer'; readonly data: PeerData } | { readonly type: 'RetirePeer'; readonly data: { readonly peerId: string } };

export type PeerState =
  | { readonly status: 'none' }
  | { readonly status: 'active'; readonly peer: PeerData }
  | { readonly status: 'retired'; readonly peer: PeerData };

const samePeer = (a: PeerData, b: PeerData) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A peer hub (stream `fed-peer-<peerId>`): registering again updates it (a new key, new routes);
 * an identical registration records nothing; retiring is idempotent; a retired peer may be
 * registered again.
 */
export const peerDecider: Decider<PeerState, PeerCommand, PeerEvent> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    switch (command.type) {
      case 'RegisterPeer':
        if (state.status === 'active') return samePeer(state.peer, command.data) ? [] : [{ type: 'PeerUpdated', data: command.data }];
        return [{ type: 'PeerRegistered', data: command.data }];
      case 'RetirePeer':
        if (state.status === 'none') throw new DomainError(DomainErrorKind.notFound, `no peer ${command.data.peerId}`);
        return state.status === 'retired' ? [] : [{ type: 'PeerRetired', data: { peerId: command.data.peerId } }];
      default:
        return assertNever(command, 'command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'PeerRegistered':
      case 'PeerUpdated':
        return { status: 'active', peer: event.data };
      case 'PeerRetired':
        return state.status === 'none' ? state : { status: 'retired', peer: state.peer };
      default:
        return assertNever(event, 'event');
    }
  },
};
