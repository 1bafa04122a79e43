import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { connectorDecider } from './connector-decider.js';
import type { ConnectorEvent } from './events.js';

const registration = {
  connectorId: 'portal',
  kind: 'dvcqg' as const,
  url: 'https://dvcqg.example/api',
  secretSealed: 'sealed',
  eventTypes: null,
  agencyIds: ['000.00.12.H40'],
  startAfter: 10,
};
const registered: ConnectorEvent = { type: 'ConnectorRegistered', data: registration };
const letter = {
  position: 12,
  eventId: 'e12',
  stream: 'dossier-a',
  type: 'DossierAccepted',
  reason: 'http-500',
  attempts: 9,
  firstAttemptAt: '2027-01-01T00:00:00.000Z',
};
const none = {} as Record<string, never>;

t.test('registration', async (t) => {
  spec(connectorDecider).given([]).when({ type: 'RegisterConnector', data: registration }).then(t, [registered]);
  spec(connectorDecider)
    .given([registered])
    .when({ type: 'RegisterConnector', data: registration })
    .thenThrows(t, { kind: 'duplicate', facts: { sameRegistration: true } }, 'an id is registered once');
  spec(connectorDecider)
    .given([registered, { type: 'ConnectorDeleted', data: none }])
    .when({ type: 'RegisterConnector', data: registration })
    .then(t, [registered], 'a deleted id may be registered again');
});

t.test('pause, resume, delete', async (t) => {
  spec(connectorDecider)
    .given([registered])
    .when({ type: 'PauseConnector', data: none })
    .then(t, [{ type: 'ConnectorPaused', data: none }]);
  spec(connectorDecider)
    .given([registered, { type: 'ConnectorPaused', data: none }])
    .when({ type: 'PauseConnector', data: none })
    .then(t, []);
  spec(connectorDecider).given([registered]).when({ type: 'ResumeConnector', data: none }).then(t, [], 'running: resume is a no-op');
  spec(connectorDecider)
    .given([registered, { type: 'ConnectorPaused', data: none }])
    .when({ type: 'ResumeConnector', data: none })
    .then(t, [{ type: 'ConnectorResumed', data: none }]);
  spec(connectorDecider)
    .given([registered])
    .when({ type: 'DeleteConnector', data: none })
    .then(t, [{ type: 'ConnectorDeleted', data: none }]);
  spec(connectorDecider)
    .given([registered, { type: 'ConnectorDeleted', data: none }])
    .when({ type: 'DeleteConnector', data: none })
    .then(t, [], 'idempotent');
  spec(connectorDecider).given([]).when({ type: 'DeleteConnector', data: none }).thenThrows(t, { kind: 'not-found' });
  spec(connectorDecider)
    .given([registered, { type: 'ConnectorDeleted', data: none }])
    .when({ type: 'PauseConnector', data: none })
    .thenThrows(t, { kind: 'not-found' }, 'a deleted connector is gone');
});

t.test('checkpoints and replay', async (t) => {
  spec(connectorDecider)
    .given([registered])
    .when({ type: 'Checkpoint', data: { position: 20, epoch: 0 } })
    .then(t, [{ type: 'DeliveryCheckpointed', data: { position: 20 } }]);
  spec(connectorDecider)
    .given([registered])
    .when({ type: 'Checkpoint', data: { position: 5, epoch: 0 } })
    .then(t, [], 'never backwards');
  const replayed: ConnectorEvent[] = [
    registered,
    { type: 'DeliveryCheckpointed', data: { position: 50 } },
    { type: 'ConnectorReplayRequested', data: { fromPosition: 3 } },
  ];
  const state = spec(connectorDecider).given(replayed).state;
  t.match(state, { checkpoint: 2, epoch: 1 }, 'a replay moves the checkpoint back and starts an epoch');
  spec(connectorDecider)
    .given(replayed)
    .when({ type: 'Checkpoint', data: { position: 60, epoch: 0 } })
    .then(t, [], 'a stale epoch is ignored');
  spec(connectorDecider)
    .given(replayed)
    .when({ type: 'Checkpoint', data: { position: 60, epoch: 1 } })
    .then(t, [{ type: 'DeliveryCheckpointed', data: { position: 60 } }]);
  spec(connectorDecider)
    .given([registered])
    .when({ type: 'ReplayConnector', data: { fromPosition: 0 } })
    .thenThrows(t, { kind: 'invalid' });
});

t.test('dead letters', async (t) => {
  const dead: ConnectorEvent[] = [registered, { type: 'DeliveryDeadLettered', data: letter }];
  spec(connectorDecider)
    .given([registered])
    .when({ type: 'DeadLetterDelivery', data: { ...letter, epoch: 0 } })
    .then(t, [dead[1]!]);
  spec(connectorDecider)
    .given([registered])
    .when({ type: 'DeadLetterDelivery', data: { ...letter, epoch: 7 } })
    .then(t, [], 'stale epoch');
  t.strictSame(spec(connectorDecider).given(dead).state, { ...spec(connectorDecider).given(dead).state, deadLetters: [letter] });
  spec(connectorDecider)
    .given(dead)
    .when({ type: 'RetryDeadLetters', data: { positions: null } })
    .then(t, [{ type: 'DeadLettersRetried', data: { positions: [12] } }]);
  spec(connectorDecider)
    .given(dead)
    .when({ type: 'RetryDeadLetters', data: { positions: [99] } })
    .then(t, [], 'nothing to retry');
  const retried: ConnectorEvent[] = [...dead, { type: 'DeadLettersRetried', data: { positions: [12] } }];
  t.match(spec(connectorDecider).given(retried).state, { deadLetters: [], retrying: [12] });
  spec(connectorDecider)
    .given(retried)
    .when({ type: 'ConfirmRedelivery', data: { position: 12 } })
    .then(t, [{ type: 'DeadLetterRedelivered', data: { position: 12 } }]);
  spec(connectorDecider)
    .given(retried)
    .when({ type: 'DeadLetterDelivery', data: { ...letter, epoch: 9 } })
    .then(t, [dead[1]!], 'a retried letter fails again into the list');
});
