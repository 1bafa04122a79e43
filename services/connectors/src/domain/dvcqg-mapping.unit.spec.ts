import t from 'tap';
import { DVCQG_FIELDS, dvcqgRecord, portalTime, portalVerdict, type DossierFacts } from './dvcqg-mapping.js';

const facts: DossierFacts = {
  dossierCode: '000.00.12.H40-270105-0001',
  procedureCode: '1.004227',
  procedureName: 'Cấp giấy phép xây dựng',
  agencyId: '000.00.12.H40',
  channel: 'online',
  applicantMaskedName: 'N*** V*** A***',
  statusCode: 9,
  receivedAt: '2027-01-05T02:30:00.000Z',
  dueAt: '2027-01-12T10:00:00.000Z',
  eventAt: '2027-01-10T09:15:07.000Z',
  eventType: 'DossierCompleted',
  note: null,
};

t.test('times are yyyyMMddHHmmss in Vietnam time', async (t) => {
  t.equal(portalTime('2027-01-05T02:30:00.000Z'), '20270105093000');
  t.equal(portalTime('2027-12-31T20:00:00.000Z'), '20280101030000', 'across the year end');
  t.equal(portalTime(null), null);
  t.equal(portalTime('garbage'), null);
});

t.test('the record of a processed dossier', async (t) => {
  t.strictSame(dvcqgRecord(facts), {
    MaHoSo: '000.00.12.H40-270105-0001',
    MaTTHC: '1.004227',
    TenTTHC: 'Cấp giấy phép xây dựng',
    MaCoQuan: '000.00.12.H40',
    DonViXuLy: '000.00.12.H40',
    KenhThucHien: 2,
    ChuHoSo: 'N*** V*** A***',
    TrangThaiHoSo: 9,
    NgayTiepNhan: '20270105093000',
    NgayHenTra: '20270112170000',
    NgayKetThucXuLy: '20270110161507',
    NgayCapNhat: '20270110161507',
    LoaiCapNhat: 'DossierCompleted',
  });
  const accepted = dvcqgRecord({ ...facts, statusCode: 2, eventType: 'DossierAccepted', channel: 'counter', note: 'đủ thành phần' });
  t.notOk('NgayKetThucXuLy' in accepted, 'no finish time before status 9');
  t.equal(accepted.KenhThucHien, 1);
  t.equal(accepted.GhiChu, 'đủ thành phần');
  t.equal(dvcqgRecord({ ...facts, statusCode: 10 }).NgayTra, '20270110161507', 'result delivered: NgayTra');
  t.equal(new Set(DVCQG_FIELDS.map((f) => f.field)).size, DVCQG_FIELDS.length, 'each portal field once');
});

t.test("the portal's answers", async (t) => {
  t.strictSame(portalVerdict('{"error_code":"0","message":"OK"}'), { accepted: true });
  t.strictSame(portalVerdict('{"error_code":0}'), { accepted: true }, 'a number too');
  t.strictSame(portalVerdict('{"error_code":"-1","message":"MaTTHC không tồn tại"}'), {
    accepted: false,
    code: '-1',
    message: 'MaTTHC không tồn tại',
  });
  t.strictSame(portalVerdict('<html>'), { unreadable: true });
  t.strictSame(portalVerdict('{"ok":true}'), { unreadable: true });
});
