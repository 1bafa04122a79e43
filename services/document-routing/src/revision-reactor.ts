import type { EventStore, RecordedEvent, Subscription } from '@lienthong/event-store';
import type { CheckpointStore } from '@lienthong/bus';
import { handleCommand } from '@lienthong/decider';
import type { Logger } from '@lienthong/service-kit';
import { documentDecider } from './domain/document-decider.js';
import { DocumentStreams, type DocumentSubmitted } from './domain/events.js';

const CHECKPOINT = 'document-routing.revisions';

/**
 * Process manager: for every accepted revoke/update/replace, records the revision on the original
 * document's stream. Driven from the event store with a checkpoint; recording is idempotent, so a
 * crash between the two appends only means the record is made on the next start.
 */
export function createRevisionReactor(deps: { store: EventStore; checkpoints: CheckpointStore; logger: Logger }) {
  const { store, checkpoints, logger } = deps;
  let running = false;
  let subscription: Subscription | undefined;
  let loop: Promise<void> | undefined;
  let saved = 0;
  let seen = 0;
  let timer: NodeJS.Timeout | undefined;

  async function react(event: RecordedEvent): Promise<void> {
    const data = event.data as DocumentSubmitted['data'];
    for (const r of data.revises) {
      await handleCommand(
        store,
        documentDecider,
        DocumentStreams.document(r.documentId),
        { type: 'RecordRevision', data: { revisionId: data.documentId, kind: r.kind, reason: data.document.business?.reason ?? null } },
        { correlationId: event.metadata.correlationId, causationId: event.id, actor: 'document-routing' },
        { retries: 10 },
      );
    }
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        subscription = store.subscribeToAll({
          after: await checkpoints.load(CHECKPOINT),
          streamPrefixes: ['document-'],
          eventTypes: ['DocumentSubmitted'],
        });
        if (!running) break;
        for await (const event of subscription) {
          const data = event.data as DocumentSubmitted['data'];
          if (data.revises.length > 0) {
            await react(event);
            await checkpoints.save(CHECKPOINT, event.position);
            saved = event.position;
          }
          seen = event.position;
        }
      } catch (error) {
        logger.error({ err: error }, 'revision reactor failed; resuming from its checkpoint');
        await subscription?.close();
        if (running) await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  return {
    start(): void {
      running = true;
      loop = run();
      // Plain documents need no work: their progress is saved now and then, not per event.
      timer = setInterval(() => {
        if (seen > saved)
          checkpoints
            .save(CHECKPOINT, (saved = seen))
            .catch((err: unknown) => logger.warn({ err }, 'saving the revision checkpoint failed'));
      }, 1000);
      timer.unref();
    },
    async stop(): Promise<void> {
      running = false;
      clearInterval(timer);
      await subscription?.close();
      await loop;
      // Recording is idempotent: a checkpoint lost here only means re-reading a few events at start.
      if (seen > saved)
        await checkpoints
          .save(CHECKPOINT, seen)
          .catch((err: unknown) => logger.warn({ err }, 'saving the revision checkpoint on stop failed'));
    },
  };
}
