import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import type { DossierRequestRecorded } from './events.js';
import { requestDecider } from './request-decider.js';

const data: DossierRequestRecorded['data'] = {
  requestId: 'r1',
  key: 'k1',
  bodySha256: 'aa',
  dossierCode: '000.00.12.H40-260309-0001',
  kind: 'receipt',
  receivedAt: '2026-03-09T01:00:00.000Z',
};
const recorded: DossierRequestRecorded = { type: 'DossierRequestRecorded', data };

t.test("a caller's key is bound to its first request", async (t) => {
  spec(requestDecider).given([]).when({ type: 'RecordRequest', data }).then(t, [recorded], 'first use: recorded');
  spec(requestDecider)
    .given([recorded])
    .when({ type: 'RecordRequest', data: { ...data, dossierCode: '000.00.12.H40-260309-0002' } })
    .then(t, [], 'the same request (a twin took another code): nothing; the state keeps the first code');
  spec(requestDecider)
    .given([recorded])
    .when({ type: 'RecordRequest', data: { ...data, bodySha256: 'bb' } })
    .thenThrows(t, { kind: 'idempotency-mismatch', facts: { dossierCode: data.dossierCode } }, 'another request → 409');
  t.match(spec(requestDecider).given([recorded]).state, { recorded: true, dossierCode: data.dossierCode, receivedAt: data.receivedAt });
});
