import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import type { PeerData, TransferQueuedData } from '../events.js';
import { peerDecider } from './peer-decider.js';
import { backoffMs, transferDecider } from './transfer-decider.js';

const peer: PeerData = {
  peerId: 'b',
  name: 'Hub B',
  baseUrl: 'http://127.0.0.1:1',
  keyId: 'k1',
  publicKey: 'AA',
  routes: ['*.H42'],
  kind: 'hub',
};

t.test('peer: registered, updated, retired', (t) => {
  spec(peerDecider)
    .given([])
    .when({ type: 'RegisterPeer', data: peer })
    .then(t, [{ type: 'PeerRegistered', data: peer }]);
  spec(peerDecider)
    .given([{ type: 'PeerRegistered', data: peer }])
    .when({ type: 'RegisterPeer', data: peer })
    .then(t, [], 'the same registration: nothing');
  const moved = { ...peer, keyId: 'k2' };
  spec(peerDecider)
    .given([{ type: 'PeerRegistered', data: peer }])
    .when({ type: 'RegisterPeer', data: moved })
    .then(t, [{ type: 'PeerUpdated', data: moved }]);
  spec(peerDecider)
    .given([{ type: 'PeerRegistered', data: peer }])
    .when({ type: 'RetirePeer', data: { peerId: 'b' } })
    .then(t, [{ type: 'PeerRetired', data: { peerId: 'b' } }]);
  spec(peerDecider)
    .given([
      { type: 'PeerRegistered', data: peer },
      { type: 'PeerRetired', data: { peerId: 'b' } },
    ])
    .when({ type: 'RetirePeer', data: { peerId: 'b' } })
    .then(t, []);
  spec(peerDecider)
    .given([
      { type: 'PeerRegistered', data: peer },
      { type: 'PeerRetired', data: { peerId: 'b' } },
    ])
    .when({ type: 'RegisterPeer', data: peer })
    .then(t, [{ type: 'PeerRegistered', data: peer }], 'registered again');
  spec(peerDecider)
    .given([])
    .when({ type: 'RetirePeer', data: { peerId: 'b' } })
    .thenThrows(t, { kind: 'not-found' });
  t.end();
});

const queued: TransferQueuedData = {
  transferId: 't1',
  peerId: 'b',
  kind: 'document',
  origin: 'A',
  documentId: 'd1',
  recipients: ['x.H42'],
  edxml: '<x/>',
};

t.test('transfer: queued, attempted, delivered or dropped', (t) => {
  const q = { type: 'TransferQueued', data: queued } as const;
  spec(transferDecider).given([]).when({ type: 'QueueTransfer', data: queued }).then(t, [q]);
  spec(transferDecider).given([q]).when({ type: 'QueueTransfer', data: queued }).then(t, [], 'queued again: nothing');
  const failed = { reason: 'network', detail: 'ECONNREFUSED', nextAttemptAt: '2026-01-01T00:00:01Z' };
  spec(transferDecider)
    .given([q])
    .when({ type: 'RecordAttempt', data: failed })
    .then(t, [{ type: 'TransferAttempted', data: { transferId: 't1', attempt: 1, ...failed } }]);
  const a1 = { type: 'TransferAttempted', data: { transferId: 't1', attempt: 1, ...failed } } as const;
  spec(transferDecider)
    .given([q, a1])
    .when({ type: 'RecordDelivery', data: { status: 202, latencyMs: 5 } })
    .then(t, [{ type: 'TransferDelivered', data: { transferId: 't1', attempts: 2, status: 202, latencyMs: 5 } }]);
  const d = { type: 'TransferDelivered', data: { transferId: 't1', attempts: 2, status: 202, latencyMs: 5 } } as const;
  spec(transferDecider)
    .given([q, a1, d])
    .when({ type: 'RecordDelivery', data: { status: 202, latencyMs: 5 } })
    .then(t, [], 'delivered once');
  spec(transferDecider).given([q, a1, d]).when({ type: 'RecordAttempt', data: failed }).then(t, [], 'no attempt after delivery');
  spec(transferDecider)
    .given([q, a1, d])
    .when({ type: 'DropTransfer', data: { reason: 'x' } })
    .thenThrows(t, { kind: 'conflict' });
  spec(transferDecider)
    .given([q])
    .when({ type: 'DropTransfer', data: { reason: 'peer gone' } })
    .then(t, [{ type: 'TransferDropped', data: { transferId: 't1', reason: 'peer gone' } }]);
  spec(transferDecider)
    .given([q, { type: 'TransferDropped', data: { transferId: 't1', reason: 'x' } }])
    .when({ type: 'RecordDelivery', data: { status: 200, latencyMs: 1 } })
    .then(t, [], 'a dropped transfer is not delivered');
  spec(transferDecider)
    .given([])
    .when({ type: 'DropTransfer', data: { reason: 'x' } })
    .thenThrows(t, { kind: 'not-found' });
  t.end();
});

t.test('backoff: 1 s doubling to 5 min, jittered over the upper half', (t) => {
  t.equal(
    backoffMs(1, () => 1),
    1000,
  );
  t.equal(
    backoffMs(1, () => 0),
    500,
  );
  t.equal(
    backoffMs(2, () => 1),
    2000,
  );
  t.equal(
    backoffMs(9, () => 1),
    256_000,
  );
  t.equal(
    backoffMs(10, () => 1),
    300_000,
  );
  t.equal(
    backoffMs(50, () => 0),
    150_000,
  );
  t.end();
});
