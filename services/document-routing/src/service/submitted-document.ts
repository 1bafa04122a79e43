import type { EdxmlDocument } from '@lienthong/edxml';
import type { EventStore } from '@lienthong/event-store';
import { DocumentStreams, type DocumentSubmitted } from '../domain/events.js';

/**
 * A routed document's content, read from its `DocumentSubmitted` (the first event of its stream):
 * the read model keeps no second copy of it.
 */
export async function submittedDocument(store: EventStore, documentId: string): Promise<EdxmlDocument> {
  return (await submission(store, documentId)).document;
}

/** A routed document's `DocumentSubmitted`: its content, and where it came from when a peer hub sent it. */
export async function submission(store: EventStore, documentId: string): Promise<DocumentSubmitted['data']> {
  const [first] = await store.readStream(DocumentStreams.document(documentId), { maxCount: 1 });
  if (first?.type !== 'DocumentSubmitted') throw new Error(`document ${documentId}: its stream does not start with DocumentSubmitted`);
  return first.data as DocumentSubmitted['data'];
}
