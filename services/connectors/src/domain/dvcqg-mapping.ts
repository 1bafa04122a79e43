/**
 * Our dossier events → the national public-service portal's dossier synchronisation record
 * (đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia, service `DongBoHoSoMC`). The portal's
 * integration guide is not public in full: the field names below are those published in
 * provincial integration documents and open-source integrations; each is kept here, in this one
 * table, so that a correction is one line. Times are `yyyyMMddHHmmss` in Vietnam time (UTC+7).
 */

/** Facts of the dossier as our events tell them (the receipt plus the event being sent). */
export interface DossierFacts {
  readonly dossierCode: string;
  readonly procedureCode: string | null;
  readonly procedureName: string | null;
  readonly agencyId: string;
  readonly channel: 'counter' | 'online' | 'postal' | null;
  readonly applicantMaskedName: string | null;
  readonly statusCode: number;
  readonly receivedAt: string | null;
  readonly dueAt: string | null;
  /** When the event was decided (`metadata.at`). */
  readonly eventAt: string;
  readonly eventType: string;
  readonly note: string | null;
}

export interface DvcqgField {
  /** The portal's field name. */
  readonly field: string;
  /** Where it comes from in our events. */
  readonly source: string;
  /** Its format at the portal. */
  readonly format: string;
  readonly value: (facts: DossierFacts) => string | number | null;
}

/** `KenhThucHien`: 1 at the counter (trực tiếp), 2 online (trực tuyến), 3 by post (bưu chính công ích). */
export const CHANNEL_CODES = { counter: 1, online: 2, postal: 3 } as const;

/** An ISO instant as the portal writes times: `yyyyMMddHHmmss`, Vietnam time (UTC+7, no summer time). */
export function portalTime(iso: string | null): string | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  return new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19).replace(/[-T:]/gu, '');
}

const FINISHED = new Set([9, 10]);

/** The one mapping table; docs/services/connectors.md shows it. */
export const DVCQG_FIELDS: readonly DvcqgField[] = [
  { field: 'MaHoSo', source: 'dossierCode', format: 'text', value: (f) => f.dossierCode },
  { field: 'MaTTHC', source: 'DossierReceived.procedureCode', format: 'text (e.g. 1.004227)', value: (f) => f.procedureCode },
  { field: 'TenTTHC', source: 'DossierReceived.procedureName', format: 'text', value: (f) => f.procedureName },
  { field: 'MaCoQuan', source: 'agencyId (the agency holding the dossier)', format: 'organisation id', value: (f) => f.agencyId },
  { field: 'DonViXuLy', source: 'agencyId', format: 'organisation id', value: (f) => f.agencyId },
  {
    field: 'KenhThucHien',
    source: 'DossierReceived.channel',
    format: '1 counter, 2 online, 3 postal',
    value: (f) => (f.channel === null ? null : CHANNEL_CODES[f.channel]),
  },
  {
    field: 'ChuHoSo',
    source: 'DossierReceived.applicant.maskedName (never the sealed applicant)',
    format: 'text',
    value: (f) => f.applicantMaskedName,
  },
  { field: 'TrangThaiHoSo', source: 'statusCode of the event', format: 'integer 1–10 (SPEC §2)', value: (f) => f.statusCode },
  { field: 'NgayTiepNhan', source: 'DossierReceived.receivedAt', format: 'yyyyMMddHHmmss', value: (f) => portalTime(f.receivedAt) },
  { field: 'NgayHenTra', source: 'dueAt of the event', format: 'yyyyMMddHHmmss', value: (f) => portalTime(f.dueAt) },
  {
    field: 'NgayKetThucXuLy',
    source: 'metadata.at of DossierCompleted / DossierResultDelivered (status 9, 10)',
    format: 'yyyyMMddHHmmss',
    value: (f) => (FINISHED.has(f.statusCode) ? portalTime(f.eventAt) : null),
  },
  {
    field: 'NgayTra',
    source: 'metadata.at of DossierResultDelivered (status 10)',
    format: 'yyyyMMddHHmmss',
    value: (f) => (f.statusCode === 10 ? portalTime(f.eventAt) : null),
  },
  { field: 'NgayCapNhat', source: 'metadata.at of the event', format: 'yyyyMMddHHmmss', value: (f) => portalTime(f.eventAt) },
  { field: 'LoaiCapNhat', source: 'event type', format: 'our event type (e.g. DossierAccepted)', value: (f) => f.eventType },
  { field: 'GhiChu', source: 'reason / note of the event', format: 'text', value: (f) => f.note },
];

/** One record of `DongBoHoSoMC.data[]`; absent facts are left out, not sent as null. */
export function dvcqgRecord(facts: DossierFacts): Record<string, string | number> {
  const record: Record<string, string | number> = {};
  for (const { field, value } of DVCQG_FIELDS) {
    const v = value(facts);
    if (v !== null) record[field] = v;
  }
  return record;
}

/** How the portal answers: `{"error_code": "0"}` accepted; another code with `message` refused. */
export type PortalVerdict =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly code: string; readonly message: string }
  | { readonly unreadable: true };

export function portalVerdict(body: string): PortalVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { unreadable: true };
  }
  if (parsed === null || typeof parsed !== 'object') return { unreadable: true };
  const answer = parsed as Record<string, unknown>;
  const rawCode = answer.error_code ?? answer.errorCode ?? answer.error;
  if (typeof rawCode !== 'string' && typeof rawCode !== 'number') return { unreadable: true };
  const code = String(rawCode);
  if (code === '0') return { accepted: true };
  const message = answer.message ?? answer.error_message ?? answer.msg;
  return { accepted: false, code, message: typeof message === 'string' ? message.slice(0, 500) : '' };
}
