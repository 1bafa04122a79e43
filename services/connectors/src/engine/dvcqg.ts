import type { RecordedEvent } from '@lienthong/event-store';
import { dvcqgRecord, portalVerdict, type DossierFacts } from '../domain/dvcqg-mapping.js';
import type { ConnectorKindAdapter } from './connector.js';

/** The dossier events that change what the portal shows. */
export const DVCQG_EVENT_TYPES = [
  'DossierReceived',
  'DossierAccepted',
  'DossierRejected',
  'DossierAssigned',
  'DossierSupplementRequested',
  'DossierSupplemented',
  'DossierPaymentRequested',
  'DossierPaymentConfirmed',
  'DossierWithdrawalRequested',
  'DossierStopped',
  'DossierCompleted',
  'DossierResultDelivered',
  'DossierTransferred',
  'DossierApologized',
] as const;

type Data = Record<string, unknown>;
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function factsOf(event: RecordedEvent, receipt: RecordedEvent | undefined): DossierFacts {
  const data = event.data as Data;
  const first = (receipt?.data ?? {}) as Data;
  const applicant = first.applicant as Data | undefined;
  const channel = text(first.channel);
  return {
    dossierCode: text(data.dossierCode) ?? event.stream.replace(/^dossier-/u, ''),
    procedureCode: text(first.procedureCode),
    procedureName: text(first.procedureName),
    agencyId: text(data.agencyId) ?? '',
    channel: channel === 'counter' || channel === 'online' || channel === 'postal' ? channel : null,
    applicantMaskedName: text(applicant?.maskedName),
    statusCode: typeof data.statusCode === 'number' ? data.statusCode : 0,
    receivedAt: text(first.receivedAt),
    dueAt: text(data.dueAt),
    eventAt: event.metadata.at,
    eventType: event.type,
    note: text(data.reason) ?? text(data.note),
  };
}

/**
 * The national portal (Cổng DVCQG): `POST {url}` `{service: "DongBoHoSoMC", isUpdating, data: [record]}`
 * with `Authorization: Bearer <secret>` (the access token the portal issued to the province).
 */
export const dvcqgKind: ConnectorKindAdapter = {
  defaultEventTypes: DVCQG_EVENT_TYPES,
  streamPrefixes: ['dossier-'],
  async build(event, { secret, receipt }) {
    const first = event.type === 'DossierReceived' ? event : await receipt(event.stream);
    const body = JSON.stringify({
      service: 'DongBoHoSoMC',
      isUpdating: event.type !== 'DossierReceived',
      data: [dvcqgRecord(factsOf(event, first))],
    });
    return { headers: { authorization: `Bearer ${secret}`, 'x-lienthong-event-id': event.id }, body };
  },
  interpret(answer) {
    if (answer.status === 400 || answer.status === 422)
      return { ok: false, permanent: true, reason: `rejected: http-${answer.status} ${answer.body.slice(0, 200)}`.trim() };
    if (answer.status < 200 || answer.status >= 300) return { ok: false, permanent: false, reason: `http-${answer.status}` };
    if (answer.truncated) return { ok: false, permanent: false, reason: 'answer-too-large' };
    const verdict = portalVerdict(answer.body);
    if ('unreadable' in verdict) return { ok: false, permanent: false, reason: 'unreadable-answer' };
    if (verdict.accepted) return { ok: true };
    return { ok: false, permanent: true, reason: `rejected: ${verdict.code} ${verdict.message}`.trim() };
  },
};
