import { ExpectedRevision, isWrongExpectedRevision, type EventMetadata, type EventStore } from '@lienthong/event-store';
import { VN_UTC_OFFSET_MS } from '@lienthong/calendar';
import { DossierStreams, type DossierCodeIssued } from './domain/events.js';
import { KeyedQueue } from './keyed-queue.js';

/** `YYMMDD` of an instant on the Vietnam clock (Asia/Ho_Chi_Minh, UTC+7, no DST). */
export function vnDay(instant: Date): string {
  const local = new Date(instant.getTime() + VN_UTC_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(local.getUTCFullYear() % 100)}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}`;
}

export function formatDossierCode(agencyId: string, day: string, sequence: number): string {
  return `${agencyId}-${day}-${String(sequence).padStart(4, '0')}`;
}

/**
 * Issues the next code `{agencyId}-{YYMMDD}-{NNNN}` of an agency's day. The sequence is the
 * stream `dossiercode-<agency>-<YYMMDD>` itself: the code of event revision r is r + 1, and it
 * is appended with the revision read, so two writers (in this process or another) can never
 * take the same number: the loser re-reads and takes the next one. The in-process queue only
 * spares the retries. Past 9999 a day the number simply grows to five digits.
 */
export function createCodeIssuer(store: EventStore) {
  const queue = new KeyedQueue();
  return async (agencyId: string, receivedAt: Date, metadata: EventMetadata): Promise<string> => {
    const day = vnDay(receivedAt);
    const stream = DossierStreams.codeSequence(agencyId, day);
    return queue.run(stream, async () => {
      for (let attempt = 0; ; attempt++) {
        const head = await store.streamInfo(stream);
        const revision = head?.revision ?? -1;
        const sequence = revision + 2;
        const dossierCode = formatDossierCode(agencyId, day, sequence);
        const event: DossierCodeIssued = { type: 'DossierCodeIssued', data: { agencyId, day, sequence, dossierCode } };
        try {
          await store.append(stream, [{ ...event, metadata }], { expectedRevision: revision === -1 ? ExpectedRevision.noStream : revision });
          return dossierCode;
        } catch (error) {
          if (!isWrongExpectedRevision(error) || attempt >= 50) throw error;
          await new Promise((r) => setTimeout(r, Math.random() * 5 * Math.min(attempt + 1, 10)));
        }
      }
    });
  };
}
