import type { DirectoryView } from '@lienthong/directory';
import { AppError, validationError, type Principal } from '@lienthong/service-kit';
import { assertActsFor } from '../domain/document-decider.js';
import { UUID_PATTERN } from '../domain/ids.js';
import type { DocumentRow, RoutingView } from '../projections/routing-view.js';
import type { SystemPrincipal } from './context.js';

/** Who may see or send what: the lookups that keep each caller to its own organisations' documents. */

/** A document by hub id, or by edXML DocumentId among those the caller is party to. */
export function findDocument(view: RoutingView, ref: string, principal: Principal): DocumentRow | null {
  if (UUID_PATTERN.test(ref)) {
    const row = view.document(ref);
    if (row) return row;
  }
  if (principal.kind === 'system') return view.documentByEdxmlId(ref, principal.organIds);
  return null;
}

export function mayRead(view: RoutingView, row: DocumentRow, principal: Principal): boolean {
  return principal.kind === 'admin' || (principal.kind === 'system' && view.isParty(row.documentId, principal.organIds));
}

/**
 * Refuses a message whose sender the caller does not act for before any attachment is stored,
 * so that refused uploads cannot fill the blob store: the decider's rule (`assertActsFor`), applied
 * early; the decider applies it again to what was read.
 */
export function senderGate(directory: Pick<DirectoryView, 'resolveOrganId'>, principal: SystemPrincipal): (sender: string | null) => void {
  return (sender) => {
    if (sender === null)
      throw validationError('MessageHeader/From/OrganId must come before the attachments', [
        { path: 'body/edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganId', message: 'required before edXMLBody' },
      ]);
    assertActsFor({ given: sender, organId: directory.resolveOrganId(sender) }, principal.organIds, 'the sender ');
  };
}

/** The caller's organisations, or the one asked for (which must be one of them). */
export function organsOf(
  principal: SystemPrincipal,
  organId: string | undefined,
  directory: Pick<DirectoryView, 'resolveOrganId'>,
): readonly string[] {
  if (organId === undefined) return principal.organIds;
  const resolved = directory.resolveOrganId(organId);
  const matching = principal.organIds.filter((o) => o === resolved);
  if (matching.length === 0) throw new AppError('LT_FORBIDDEN', `this system does not act for ${organId}`);
  return matching;
}
