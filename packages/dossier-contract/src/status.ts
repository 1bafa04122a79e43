/**
 * Dossier statuses with the national portal's numeric codes (SPEC §2):
 * 1 new (mới đăng ký), 2 accepted (được tiếp nhận), 3 not accepted (không được tiếp nhận),
 * 4 processing (đang xử lý), 5 supplement requested (yêu cầu bổ sung), 6 payment requested
 * (yêu cầu nghĩa vụ tài chính), 7 withdrawal requested (công dân yêu cầu rút hồ sơ),
 * 8 stopped (dừng xử lý), 9 processed (đã xử lý xong), 10 result delivered (đã trả kết quả).
 */
export const DossierStatus = {
  new: 'new',
  accepted: 'accepted',
  notAccepted: 'not-accepted',
  processing: 'processing',
  supplementRequested: 'supplement-requested',
  paymentRequested: 'payment-requested',
  withdrawalRequested: 'withdrawal-requested',
  stopped: 'stopped',
  processed: 'processed',
  resultDelivered: 'result-delivered',
} as const;
export type DossierStatus = (typeof DossierStatus)[keyof typeof DossierStatus];

export const STATUS_CODES: Readonly<Record<DossierStatus, number>> = {
  new: 1,
  accepted: 2,
  'not-accepted': 3,
  processing: 4,
  'supplement-requested': 5,
  'payment-requested': 6,
  'withdrawal-requested': 7,
  stopped: 8,
  processed: 9,
  'result-delivered': 10,
};

/** Vietnamese labels, as the national portal shows them. */
export const STATUS_LABELS: Readonly<Record<DossierStatus, string>> = {
  new: 'Mới đăng ký',
  accepted: 'Được tiếp nhận',
  'not-accepted': 'Không được tiếp nhận',
  processing: 'Đang xử lý',
  'supplement-requested': 'Yêu cầu bổ sung',
  'payment-requested': 'Yêu cầu thực hiện nghĩa vụ tài chính',
  'withdrawal-requested': 'Công dân yêu cầu rút hồ sơ',
  stopped: 'Dừng xử lý',
  processed: 'Đã xử lý xong',
  'result-delivered': 'Đã trả kết quả',
};

export const ALL_STATUSES = Object.values(DossierStatus) as readonly DossierStatus[];

/** A dossier's processing ended (with a result, a refusal or a stop): the clock no longer matters. */
export const RESOLVED_STATUSES: readonly DossierStatus[] = ['not-accepted', 'stopped', 'processed', 'result-delivered'];

export function isResolved(status: DossierStatus): boolean {
  return RESOLVED_STATUSES.includes(status);
}

/** Status by name or numeric code (`4` or `processing`); undefined when neither. */
export function parseStatus(value: string): DossierStatus | undefined {
  if (/^\d+$/.test(value)) return ALL_STATUSES.find((s) => STATUS_CODES[s] === Number(value));
  return ALL_STATUSES.find((s) => s === value);
}
