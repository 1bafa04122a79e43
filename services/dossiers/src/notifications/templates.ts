import { STATUS_LABELS, type DossierStatus } from '@lienthong/dossier-contract';

/** What a status-change e-mail (thư thông báo) is made of; nothing here is logged. */
export interface NotificationFacts {
  readonly dossierCode: string;
  readonly procedureName: string;
  readonly applicantName: string;
  readonly status: DossierStatus;
  /** The event's own facts the template may mention: a reason, the fee, the due date. */
  readonly reason?: string | null | undefined;
  readonly amount?: number | undefined;
  readonly dueAt?: string | null | undefined;
  readonly at: string;
}

const vnTime = (iso: string) =>
  new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
const vnd = (amount: number) => `${new Intl.NumberFormat('vi-VN').format(amount)} đồng`;

/** What each status asks of the citizen, in Vietnamese. */
const NEXT_STEP: Readonly<Record<DossierStatus, string>> = {
  new: 'Hồ sơ đã được gửi trực tuyến và đang chờ cán bộ một cửa tiếp nhận.',
  accepted: 'Hồ sơ đã được tiếp nhận; thời hạn giải quyết được tính từ lúc tiếp nhận.',
  'not-accepted': 'Hồ sơ không được tiếp nhận.',
  processing: 'Hồ sơ đang được giải quyết.',
  'supplement-requested': 'Đề nghị ông/bà bổ sung hồ sơ trực tuyến bằng mã hồ sơ và mã tra cứu (PIN).',
  'payment-requested': 'Đề nghị ông/bà thực hiện nghĩa vụ tài chính trực tuyến bằng mã hồ sơ và mã tra cứu (PIN).',
  'withdrawal-requested': 'Yêu cầu rút hồ sơ đã được ghi nhận.',
  stopped: 'Hồ sơ đã dừng xử lý.',
  processed: 'Hồ sơ đã được giải quyết xong; kết quả sẽ được trả cho ông/bà.',
  'result-delivered': 'Kết quả đã được trả; ông/bà có thể tải kết quả trực tuyến bằng mã hồ sơ và mã tra cứu (PIN).',
};

/** The e-mail of a status change, in Vietnamese: a subject and a plain-text body. */
export function renderNotification(f: NotificationFacts): { subject: string; text: string } {
  const label = STATUS_LABELS[f.status];
  const lines = [
    `Kính gửi ông/bà ${f.applicantName},`,
    '',
    `Hồ sơ ${f.dossierCode} (${f.procedureName}) đã chuyển sang trạng thái: ${label}, lúc ${vnTime(f.at)}.`,
    NEXT_STEP[f.status],
    ...(f.reason ? [`Lý do: ${f.reason}`] : []),
    ...(f.amount !== undefined ? [`Số tiền phải nộp: ${vnd(f.amount)}.`] : []),
    ...(f.dueAt && (f.status === 'accepted' || f.status === 'processing') ? [`Hạn giải quyết: ${vnTime(f.dueAt)}.`] : []),
    '',
    'Thư này được gửi tự động từ hệ thống một cửa điện tử; xin đừng trả lời thư này.',
  ];
  return { subject: `Hồ sơ ${f.dossierCode}: ${label}`, text: `${lines.join('\n')}\n` };
}
