import type { EventStore, RecordedEvent } from '@lienthong/event-store';
import type { BlobStore } from '@lienthong/blob-store';
import type { DirectoryView } from '@lienthong/directory';
import type { AttachmentSink, AttachmentSource, EdxmlWarning } from '@lienthong/edxml';
import type { Principal } from '@lienthong/service-kit';
import type { FederationOutbound } from '@lienthong/federation-contract';
import { blobSink, blobSource } from '../attachments.js';
import type { ResolvedOrgan } from '../domain/document-decider.js';
import { canonicalJson, sha256Hex } from '../domain/ids.js';
import { inlineXmlParser, type XmlParser } from '../parsing/xml-parser.js';
import type { RoutingView } from '../projections/routing-view.js';

export type SystemPrincipal = Extract<Principal, { kind: 'system' }>;

export interface DocumentServiceDeps {
  readonly store: EventStore;
  readonly view: RoutingView;
  readonly directory: DirectoryView;
  readonly blobs: BlobStore;
  /** Reads edXML bodies (default: on the event loop, attachments into `blobs`). */
  readonly parser?: XmlParser;
  /** Read-your-writes: resolves once the routing read model has applied this event. */
  readonly waitFor: (event: RecordedEvent) => Promise<void>;
  /** `OrganId` of the hub's own TraceHeader in delivered edXML. */
  readonly hubOrganId: string;
  readonly maxBodyBytes: number;
  /**
   * Federation's side (SPEC §6), when the hub runs it: recipients not in the local directory are
   * looked up in its peers' routes. Asked at each use (federation is connected after this is built).
   */
  readonly federation?: () => FederationOutbound | undefined;
  /** Signatures are verified on bodies up to this size (the DOM needs several times the size). */
  readonly verifyMaxBytes: number;
}

/** A message body: edXML handed through as a stream, or JSON already parsed. */
export type MessageBody =
  { readonly kind: 'xml'; readonly stream: AsyncIterable<Buffer | string> } | { readonly kind: 'json'; readonly value: unknown };

/**
 * What the edXML reader tolerated in an accepted message (e.g. `attachment-not-base64`: an
 * attachment stored as its text), in the 202 answer. The key is absent when nothing was tolerated.
 */
export type AnswerWarnings = { readonly warnings?: readonly EdxmlWarning[] };

/** The key `warnings` of an answer: present only when there are warnings. */
export const warningsOf = (warnings: readonly EdxmlWarning[]): AnswerWarnings =>
  warnings.length > 0 ? { warnings: warnings.map((w) => ({ ...w })) } : {};

export const jsonHash = (value: unknown) => sha256Hex(canonicalJson(value));

/** What every command and query of the service works with: the deps and the adapters built from them once. */
export interface ServiceContext extends DocumentServiceDeps {
  readonly parser: XmlParser;
  readonly sink: AttachmentSink;
  readonly source: AttachmentSource;
  readonly resolve: (given: string) => ResolvedOrgan;
}

export function serviceContext(deps: DocumentServiceDeps): ServiceContext {
  const sink = blobSink(deps.blobs);
  return {
    ...deps,
    sink,
    parser: deps.parser ?? inlineXmlParser(sink),
    source: blobSource(deps.blobs),
    resolve: (given) => ({ given, organId: deps.directory.resolveOrganId(given) }),
  };
}
