import t from 'tap';
import { startTestHub } from '@lienthong/platform/testing';
import { eventually, metricValue, tempDir } from '@lienthong/testing';
import { createConnectorsModule } from './module.js';
import { append, FAST_DELIVERY, register, view } from './test/connector-hub.js';
import { startReceiver } from './test/receiver-process.js';

const TOKEN = 'portal-access-token-0123456789';
const CODE = '000.00.12.H40-270105-0001';
const REFUSED = '000.00.12.H40-270105-0002';
const AGENCY = '000.00.12.H40';

/** A receipt as the dossiers service records it (sealed applicant and PIN hash included). */
const receipt = (dossierCode: string) => ({
  dossierCode,
  agencyId: AGENCY,
  statusCode: 1,
  procedureCode: '1.004227',
  procedureVersion: 1,
  procedureName: 'Đăng ký khai sinh',
  channel: 'online',
  receivedAt: '2027-01-05T02:30:00.000Z',
  dueAt: '2027-01-08T10:00:00.000Z',
  pinHash: 'c2VjcmV0LXBpbi1oYXNo',
  applicant: { maskedName: 'N*** V*** A***' },
  applicantSealed: 'SEALED-APPLICANT',
});

interface PortalCall {
  headers: Record<string, string>;
  body: { service: string; isUpdating: boolean; data: Array<Record<string, string | number>> };
}

t.test(
  'dvcqg: receipt, each status change and the result reach the portal in order, with its field names; its answer codes decide',
  async (t) => {
    const receiver = await startReceiver(tempDir(t));
    t.teardown(() => receiver.close());
    const hub = await startTestHub([createConnectorsModule({ allowLoopback: true, delivery: FAST_DELIVERY })]);
    t.teardown(() => hub.close());
    const created = await register(hub, { connectorId: 'portal', kind: 'dvcqg', url: `${receiver.url}/dvcqg/sync`, secret: TOKEN });
    t.equal(created.statusCode, 201, created.body);

    // the portal fails each first attempt (500) and refuses one dossier for good
    await receiver.control({ failFirst: 1, rejectStreams: [`dossier-${REFUSED}`] });
    const stream = `dossier-${CODE}`;
    await append(hub, stream, 'DossierReceived', receipt(CODE));
    await append(hub, stream, 'DossierAccepted', { statusCode: 2, dueAt: '2027-01-08T10:00:00.000Z', note: null });
    await append(hub, 'document-D1', 'DocumentSent', { agencyId: AGENCY }); // not a dossier: not for the portal
    await append(hub, stream, 'DossierAssigned', { statusCode: 4, dueAt: '2027-01-08T10:00:00.000Z' });
    await append(hub, stream, 'DossierCompleted', { statusCode: 9, dueAt: '2027-01-08T10:00:00.000Z' });
    await append(hub, stream, 'DossierResultDelivered', { statusCode: 10, dueAt: '2027-01-08T10:00:00.000Z' });
    const refused = await append(hub, `dossier-${REFUSED}`, 'DossierReceived', receipt(REFUSED));

    await eventually(() => receiver.deliveries().filter((d) => d.stream === stream).length >= 5, 15_000, 'the five records');
    await eventually(async () => (await view(hub, 'portal')).deadLetters.length === 1, 15_000, 'the refusal dead-lettered');

    const calls = receiver.deliveries().filter((d) => d.stream === stream) as unknown as PortalCall[];
    t.strictSame(
      calls.map((c) => c.body.data[0]!.TrangThaiHoSo),
      [1, 2, 4, 9, 10],
      'status codes in the order they happened',
    );
    t.ok(
      calls.every((c) => c.headers.authorization === `Bearer ${TOKEN}`),
      "the portal's access token as bearer",
    );
    t.ok(
      calls.every((c) => c.body.service === 'DongBoHoSoMC'),
      'service DongBoHoSoMC',
    );
    t.strictSame(
      calls.map((c) => c.body.isUpdating),
      [false, true, true, true, true],
      'the receipt creates, the rest update',
    );
    const [first, , , completed, delivered] = calls.map((c) => c.body.data[0]!);
    t.match(first, {
      MaHoSo: CODE,
      MaTTHC: '1.004227',
      TenTTHC: 'Đăng ký khai sinh',
      MaCoQuan: AGENCY,
      KenhThucHien: 2,
      ChuHoSo: 'N*** V*** A***',
      NgayTiepNhan: '20270105093000',
      NgayHenTra: '20270108170000',
      LoaiCapNhat: 'DossierReceived',
    });
    t.notOk('NgayKetThucXuLy' in first!, 'no finish time before the end');
    t.match(
      completed,
      { MaTTHC: '1.004227', NgayTiepNhan: '20270105093000', NgayKetThucXuLy: /^\d{14}$/ },
      'later records repeat the receipt',
    );
    t.match(delivered, { TrangThaiHoSo: 10, NgayTra: /^\d{14}$/ });
    const all = JSON.stringify(receiver.deliveries());
    t.notMatch(all, /SEALED|pinHash|c2VjcmV0/, 'no sealed data, no PIN hash');
    t.notMatch(all, /document-D1|DocumentSent/, 'only dossiers');

    const v = await view(hub, 'portal');
    t.match(v.deadLetters[0], { position: refused, reason: 'rejected: -1 MaTTHC không tồn tại' }, "the portal's reason kept");
    t.ok(v.outbox.stats.failures['http-500']! >= 5, 'each 500 retried');
    t.equal(v.outbox.stats.failures.rejected, 1, 'the refusal counted once: not retried');
    const metrics = (await hub.app.inject('/metrics')).body;
    t.equal(metricValue(metrics, 'lt_connector_dead_letters', { connector: 'portal' }), 1, 'dead letters in /metrics');
    t.notMatch(JSON.stringify(v), new RegExp(TOKEN), 'the token is never shown again');
  },
);
