import t from 'tap';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dossierDecider } from './domain/dossier-decider.js';
import { createCodeIssuer } from './dossier-code.js';
import { createOverdueScheduler } from './overdue-scheduler.js';
import { dossierQueueView } from './projections/dossier-queue-view.js';
import { loadSecret, pinVerifier } from '@lienthong/dossier-contract';
import { eventually } from '@lienthong/testing';
import { startDossiersHub, type DossiersHub } from './test-helpers.js';

const A = '000.00.12.H40';
const body = (more: object = {}) => ({
  procedureCode: '1.004227',
  agencyId: A,
  applicant: { name: 'Phạm Minh D' },
  channel: 'counter',
  ...more,
});

async function setUp(hub: DossiersHub) {
  await hub.agency(A);
  await hub.publishProcedure('1.004227', 1);
  return { clerk: await hub.staff(A, ['clerk']), leader: await hub.staff(A, ['leader']) };
}

const overdueEvents = async (hub: DossiersHub, code: string) =>
  (await hub.platform.store.readStream(`dossier-${code}`)).filter((e) => e.type === 'DossierBecameOverdue').length;

t.test('30 parallel receipts at one agency get 30 distinct codes, in sequence', async (t) => {
  const hub = await startDossiersHub({ overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  const { clerk } = await setUp(hub);
  const answers = await Promise.all(Array.from({ length: 30 }, () => hub.inject('POST', '/v1/dossiers', clerk, body())));
  t.ok(answers.every((a) => a.statusCode === 201));
  const sequences = answers.map((a) => Number((a.json().dossierCode as string).split('-').at(-1))).sort((x, y) => x - y);
  t.strictSame(
    sequences,
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  t.equal(new Set(answers.map((a) => a.json().lookupPin)).size >= 29, true, 'PINs are random');
});

t.test('two issuers on one store (as two processes would be) never share a code', async (t) => {
  const hub = await startDossiersHub({ overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  const one = createCodeIssuer(hub.platform.store);
  const two = createCodeIssuer(hub.platform.store);
  const meta = { correlationId: 'c', actor: 'test', at: new Date().toISOString() };
  const at = new Date('2026-03-09T01:00:00Z');
  const codes = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two)(A, at, meta)));
  t.equal(new Set(codes).size, 40);
  t.strictSame(
    codes.map((c) => Number(c.split('-').at(-1))).sort((x, y) => x - y),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
  t.ok(codes.every((c) => c.startsWith(`${A}-260309-`)));
  // the day is the Vietnam day: 23:30 UTC on the 8th is already the 9th in Hanoi
  t.match(await one(A, new Date('2026-03-08T23:30:00Z'), meta), /-260309-0041$/);
  t.match(await one(A, new Date('2026-03-08T16:59:59Z'), meta), /-260308-0001$/);
});

t.test('restart in the middle of the workflow, secrets kept, PIN verifiable', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-dossiers-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  let hub = await startDossiersHub({ dataDir, overdueIntervalMs: 60_000 });
  const { clerk, leader } = await setUp(hub);
  const receipt = (
    await hub.inject('POST', '/v1/dossiers', clerk, body({ applicant: { name: 'Phạm Minh D', idNumber: '079200000001' } }))
  ).json();
  const code: string = receipt.dossierCode;
  t.equal((await hub.inject('POST', `/v1/dossiers/${code}/actions/accept`, clerk, {})).statusCode, 200);
  t.equal(statSync(join(dataDir, 'secrets', 'pin-hmac.key')).mode & 0o777, 0o600);
  const key = loadSecret(join(dataDir, 'secrets'), 'pin-hmac');
  await hub.close();

  hub = await startDossiersHub({ dataDir, overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  t.strictSame(loadSecret(join(dataDir, 'secrets'), 'pin-hmac'), key, 'the key survives');
  const detail = (await hub.inject('GET', `/v1/dossiers/${code}`, clerk)).json();
  t.equal(detail.statusCode, 2);
  t.equal(detail.applicant.idNumber, '079200000001', 'sealed applicant readable after restart');
  t.equal((await hub.inject('POST', `/v1/dossiers/${code}/actions/assign`, leader, { officer: 'o1' })).json().statusCode, 4);
  t.equal((await hub.inject('GET', `/v1/dossiers?status=processing`, clerk)).json().items[0]?.dossierCode, code, 'queue follows');
  const next = (await hub.inject('POST', '/v1/dossiers', clerk, body())).json().dossierCode as string;
  t.not(next, code, 'the sequence continues from the store');

  // the status tracker verifies a PIN against the event's hash
  const received = (await hub.platform.store.readStream(`dossier-${code}`))[0]!;
  const data = received.data as { pinHash: string; applicant: { maskedName: string }; applicantSealed: string };
  const verify = pinVerifier(join(dataDir, 'secrets'));
  t.ok(verify(code, receipt.lookupPin, data.pinHash));
  t.notOk(verify(code, '00000000', data.pinHash));
  t.notOk(verify(next, receipt.lookupPin, data.pinHash), 'bound to the dossier code');
  t.equal(data.applicant.maskedName, 'P*** M*** D***');
  t.notOk(JSON.stringify(received.data).includes('079200000001'), 'no personal data in clear in the event');
  t.notOk(JSON.stringify(received.data).includes(receipt.lookupPin), 'no PIN in the event');
});

t.test('the overdue scheduler appends once, across restarts and concurrent runs', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-dossiers-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  let hub = await startDossiersHub({ dataDir, overdueIntervalMs: 100 });
  const { clerk } = await setUp(hub);
  const past = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const code = (await hub.inject('POST', '/v1/dossiers', clerk, body({ receivedAt: past }))).json().dossierCode as string;
  await eventually(async () => (await overdueEvents(hub, code)) === 1, 5000, 'overdue event');
  await eventually(async () => (await hub.inject('GET', `/v1/dossiers?overdue=true`, clerk)).json().total === 1, 5000, 'queue flag');
  await hub.close();

  hub = await startDossiersHub({ dataDir, overdueIntervalMs: 100 });
  t.teardown(() => hub.close());
  await new Promise((r) => setTimeout(r, 600)); // several scans
  t.equal(await overdueEvents(hub, code), 1, 'still exactly one after a restart');

  // two schedulers scanning at once (two processes) on a fresh late dossier
  const code2 = (await hub.inject('POST', '/v1/dossiers', clerk, body({ receivedAt: past }))).json().dossierCode as string;
  const queueRunner = hub.platform.projections.get('dossiers-queue')!;
  const make = () =>
    createOverdueScheduler({
      store: hub.platform.store,
      decider: dossierDecider,
      queue: dossierQueueView(() => queueRunner.db()),
      clock: () => new Date(),
      logger: hub.platform.logger,
    });
  await Promise.all([make().runOnce(), make().runOnce(), make().runOnce()]);
  await eventually(async () => (await overdueEvents(hub, code2)) >= 1, 5000, 'overdue event 2');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(await overdueEvents(hub, code2), 1, 'one event whoever ran');
  const overdueEvent = (await hub.platform.store.readStream(`dossier-${code2}`)).find((e) => e.type === 'DossierBecameOverdue')!;
  t.equal(overdueEvent.metadata.actor, 'scheduler');
  t.match(overdueEvent.data, { overdue: true, statusCode: 1, agencyId: A });
});
