/**
 * `POST …/send` when the recipient is behind a peer hub (SPEC §9 through §6): the provincial
 * aggregate goes through document routing, which hands the remote recipient to federation; the
 * peer hub (here the one serving the Government reporting system) delivers it to its inbox.
 */
import t from 'tap';
import { directoryModule, type ServiceModuleFactory } from '@lienthong/platform';
import { startTestHub } from '@lienthong/platform/testing';
import { createDocumentRoutingModule } from '@lienthong/document-routing';
import { createFederationModule, type FederationHandle } from '@lienthong/federation';
import { eventually } from '@lienthong/testing';
import { seedRegime, seedTree, startReportingHub, testClock } from './test/reporting-hub.js';

const R = '/v1/reporting/reports/KTXH/2027-01';
const GOVERNMENT = '000.00.00.G01';

/** Document routing connected to federation, as the all-in-one hub connects them. */
function federatedRouting(): ServiceModuleFactory[] {
  let link: FederationHandle | undefined;
  return [createDocumentRoutingModule({ federation: () => link }), createFederationModule({ pollMs: 50, onReady: (l) => (link = l) })];
}

t.test('the accepted aggregate reaches a recipient behind a peer hub', async (t) => {
  // 1. the national hub serving the Government reporting system, listening on loopback
  const national = await startTestHub([directoryModule, ...federatedRouting()], { env: { LT_HUB_ORGAN_ID: '000.00.00.G00' } });
  t.teardown(() => national.close());
  const nationalUrl = await national.app.listen({ port: 0, host: '127.0.0.1' });
  await national.agency(GOVERNMENT, 'Hệ thống thông tin báo cáo Chính phủ');
  const government = await national.system([GOVERNMENT]);

  // 2. the province's hub, with reporting, routing and federation; the national hub is its peer for G01
  const clock = testClock('2027-01-05T03:00:00.000Z');
  const sender: { token?: string } = {};
  const hub = await startReportingHub(clock.now, { extra: federatedRouting(), systemToken: () => sender.token });
  t.teardown(() => hub.close());
  const identity = (await (await fetch(`${nationalUrl}/v1/federation/identity`)).json()) as Record<string, string>;
  const peer = await hub.req('POST', '/v1/admin/peers', hub.admin, {
    peerId: 'national',
    name: 'Trục quốc gia',
    baseUrl: nationalUrl,
    keyId: identity.keyId,
    publicKey: identity.publicKey,
    routes: ['*.G01'],
  });
  t.equal(peer.statusCode, 201, peer.body);
  const provinceIdentity = (await hub.req('GET', '/v1/federation/identity')).json() as Record<string, string>;
  const back = await national.app.inject({
    method: 'POST',
    url: '/v1/admin/peers',
    headers: national.admin,
    payload: {
      peerId: 'province',
      name: 'Tỉnh',
      baseUrl: 'http://127.0.0.1:9',
      keyId: provinceIdentity.keyId,
      publicKey: provinceIdentity.publicKey,
      routes: ['H40', 'H40.*'],
    },
  });
  t.equal(back.statusCode, 201, back.body);

  // 3. the province's report accepted up to the top, then sent to G01 (not in the province's directory)
  const { leader, clerk } = await seedTree(hub);
  await seedRegime(hub);
  for (const c of ['H40.01.01', 'H40.01.02']) {
    await hub.req('PUT', `${R}/${c}/values`, clerk[c]!, {
      values: { pop: 500, households: 100, poorHouseholds: 10, schoolRate: 90, minRain: 5, maxRain: 9, note: 'ổn định' },
    });
    await hub.req('POST', `${R}/${c}/submit`, leader[c]!);
    await hub.req('POST', `${R}/${c}/accept`, leader['H40.01']!);
  }
  await hub.req('PUT', `${R}/H40.01/values`, clerk['H40.01']!, { values: { note: 'huyện' } });
  await hub.req('POST', `${R}/H40.01/submit`, leader['H40.01']!);
  await hub.req('POST', `${R}/H40.01/accept`, leader['H40']!);
  await hub.req('PUT', `${R}/H40/values`, clerk['H40']!, { values: { note: 'tỉnh' } });
  await hub.req('POST', `${R}/H40/submit`, leader['H40']!);
  t.equal((await hub.req('POST', `${R}/H40/accept`, hub.admin)).json().state, 'accepted');
  sender.token = (await hub.system(['H40'])).authorization.replace(/^Bearer /, '');
  const sent = await hub.req('POST', `${R}/H40/send`, leader['H40']!, { to: GOVERNMENT });
  t.equal(sent.statusCode, 202, sent.body);
  t.equal(sent.json().recipients[0].organId, GOVERNMENT);

  // 4. delivered at the national hub, with both attachments
  let items: Array<{ deliveryId: string; subject: string; from: string }> = [];
  await eventually(
    async () => (items = (await national.app.inject({ method: 'GET', url: '/v1/inbox', headers: government })).json().items).length === 1,
    20_000,
    "the aggregate in the Government reporting system's inbox",
  );
  t.equal(items[0]!.from, 'H40');
  t.match(items[0]!.subject, /2027-01/);
  const content = await national.app.inject({
    method: 'GET',
    url: `/v1/deliveries/${items[0]!.deliveryId}/content?format=json`,
    headers: government,
  });
  t.strictSame(
    (content.json().document.attachments as Array<{ name: string }>).map((a) => a.name),
    ['bao-cao-KTXH-2027-01.xlsx', 'bao-cao-KTXH-2027-01.json'],
  );
});
