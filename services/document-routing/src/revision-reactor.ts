import type { EventStore, RecordedEvent } from '@lienthong/event-store';
import { startSubscriptionLoop, type CheckpointStore, type SubscriptionLoop } from '@lienthong/bus';
import { handleCommand } from '@lienthong/decider';
import type { Logger } from '@lienthong/service-kit';
import { documentDecider } from './domain/document-decider.js';
import { DocumentStreams, type DocumentSubmitted } from './domain/events.js';

const CHECKPOINT = 'document-routing.revisions';

/** The revision reactor of a running document-routing module. */
export interface RevisionReactor {
  start(): Promise<void>;
  /** Finishes the event in hand, saves the checkpoint, then stops. */
  stop(): Promise<void>;
}

/**
 * Process manager: for every accepted revoke/update/replace, records the revision on the original
 * document's stream. Driven from the event store with a checkpoint; recording is idempotent, so a
 * crash between the two appends only means the record is made on the next start.
 */
export function createRevisionReactor(deps: { store: EventStore; checkpoints: CheckpointStore; logger: Logger }): RevisionReactor {
  const { store, checkpoints, logger } = deps;
  let loop: SubscriptionLoop | undefined;

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

  return {
    async start() {
      loop = await startSubscriptionLoop({
        name: 'revision reactor',
        store,
        streamPrefixes: ['document-'],
        eventTypes: ['DocumentSubmitted'],
        checkpoint: { load: () => checkpoints.load(CHECKPOINT), save: (position) => checkpoints.save(CHECKPOINT, position) },
        handle: async (events) => {
          for (const event of events) await react(event);
        },
        // Most documents revise nothing and recording is idempotent: progress is saved now and then, not per batch.
        saveEveryMs: 1000,
        logger,
      });
    },
    async stop() {
      await loop?.stop();
    },
  };
}
