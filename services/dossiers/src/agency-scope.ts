import type { DirectoryView } from '@lienthong/directory';
import { AppError } from '@lienthong/service-kit';

/** Who reads an agency's records: staff carry their agency; admins (or any other caller a route lets through) do not. */
export type Reader = { readonly kind: 'staff'; readonly agencyId: string } | { readonly kind: 'admin' | 'system' | 'public' | 'citizen' };

/**
 * The agency whose records a reader sees — the one rule for the dossier queue, the dossier
 * reports and the payments' reconciliation: staff see only their own agency (the default when
 * none is asked for; another one → 403), admins the one asked for or, without one, all
 * (`undefined`). Identifiers are compared as the directory resolves them, so any of an agency's
 * ids names it (an unknown one is kept as given: it matches nothing).
 */
export function scopedAgency(
  directory: Pick<DirectoryView, 'resolveOrganId'>,
  reader: Reader,
  requested: string | undefined,
  what: string,
): string | undefined {
  const organId = (id: string) => directory.resolveOrganId(id) ?? id;
  const agencyId = requested === undefined ? undefined : organId(requested);
  if (reader.kind !== 'staff') return agencyId;
  const own = organId(reader.agencyId);
  if (agencyId !== undefined && agencyId !== own)
    throw new AppError('LT_FORBIDDEN', `staff of ${own} cannot see the ${what} of ${agencyId}`);
  return own;
}
