import { handleCommand } from '@lienthong/decider';
import type { EventMetadata, EventStore } from '@lienthong/event-store';
import { VN_UTC_OFFSET_MS } from '@lienthong/calendar';
import { codeSequenceDecider, formatDossierCode } from './domain/code-sequence-decider.js';
import { DossierStreams } from './domain/events.js';
import { KeyedQueue } from './keyed-queue.js';

/** `YYMMDD` of an instant on the Vietnam clock (Asia/Ho_Chi_Minh, UTC+7, no DST). */
export function vnDay(instant: Date): string {
  const local = new Date(instant.getTime() + VN_UTC_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(local.getUTCFullYear() % 100)}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}`;
}

/** Issues the next dossier code of an agency's day, for a receipt made with `metadata`. */
export type CodeIssuer = (agencyId: string, receivedAt: Date, metadata: EventMetadata) => Promise<string>;

/**
 * Issues the next code `{agencyId}-{YYMMDD}-{NNNN}` of an agency's day through the one command
 * handler: the sequence is the stream `dossiercode-<agency>-<YYMMDD>`, and a writer that lost
 * the race (in this process or another) re-reads and takes the next number. Contention is
 * expected here (every receipt of an agency's day), hence many retries spread by jitter; the
 * in-process queue only spares the retries.
 */
export function createCodeIssuer(store: EventStore): CodeIssuer {
  const queue = new KeyedQueue();
  return async (agencyId: string, receivedAt: Date, metadata: EventMetadata): Promise<string> => {
    const day = vnDay(receivedAt);
    const stream = DossierStreams.codeSequence(agencyId, day);
    return queue.run(stream, async () => {
      const result = await handleCommand(
        store,
        codeSequenceDecider,
        stream,
        { type: 'IssueCode', data: { agencyId, day } },
        {
          correlationId: metadata.correlationId,
          causationId: metadata.causationId ?? null,
          actor: metadata.actor,
          now: new Date(metadata.at),
        },
        { retries: 50, retryJitterMs: 5, lastEventOnly: true },
      );
      return formatDossierCode(agencyId, day, result.state.sequence);
    });
  };
}
