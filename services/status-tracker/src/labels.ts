import { STATUS_CODES, STATUS_LABELS, isResolved, type DossierStatus } from '@lienthong/dossier-contract';

/**
 * Vietnamese labels shown to citizens and counters. The ten statuses use the national portal's
 * wording of the dossier contract (mới đăng ký … đã trả kết quả); `quá hạn` marks a dossier
 * whose due date passed while it was still being processed.
 */
export const OVERDUE_LABEL = 'Quá hạn';

export type TrackedStatus = DossierStatus;

export function statusLabel(status: TrackedStatus): string {
  return STATUS_LABELS[status];
}

export function statusCode(status: TrackedStatus): number {
  return STATUS_CODES[status];
}

/** Not accepted, stopped, processed or delivered: off the board, and the clock no longer runs. */
export function resolved(status: TrackedStatus): boolean {
  return isResolved(status);
}
