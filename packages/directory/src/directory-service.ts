import { randomUUID } from 'node:crypto';
import type { EventStore } from '@lienthong/event-store';
import { handleCommand, isDomainError, type CommandContext, type StaffRole } from '@lienthong/decider';
import { hashToken, newToken, unprocessable, validationError } from '@lienthong/service-kit';
import { agencyDecider, organIdDecider, staffDecider, systemDecider } from './domain/deciders.js';
import { DirectoryStreams } from './domain/events.js';
import { organIdKey } from './domain/organ-id.js';
import type { Agency, DirectoryView, StaffRecord, SystemRecord } from './projections/directory-projection.js';

export interface DirectoryServiceDeps {
  readonly store: EventStore;
  readonly view: DirectoryView;
  /** Waits until the read model has applied a position (read-your-writes for the caller). */
  readonly waitFor: (position: number) => Promise<void>;
}

export interface RegisterAgencyInput {
  organId: string;
  name: string;
  level?: string | undefined;
  parentId?: string | undefined;
  altIds?: string[] | undefined;
}

export interface RegisterSystemInput {
  name: string;
  vendor: string;
  organIds: string[];
  requireValidSignature?: boolean | undefined;
}

export interface RegisterStaffInput {
  agencyId: string;
  name: string;
  roles: StaffRole[];
}

/** A vendor system as registered, with its token: the only time the token is shown. */
export interface RegisteredSystem {
  readonly systemId: string;
  readonly name: string;
  readonly vendor: string;
  readonly organIds: string[];
  readonly requireValidSignature: boolean;
  readonly token: string;
}

/** A staff member as registered, with the token: the only time it is shown. */
export interface RegisteredStaff {
  readonly staffId: string;
  readonly agencyId: string;
  readonly name: string;
  readonly roles: StaffRole[];
  readonly token: string;
}

/**
 * Command side of the directory: agencies, vendor systems, staff and their tokens. Each call
 * returns once the directory read model holds its change (read-your-writes).
 */
export interface DirectoryService {
  /** Claims the agency's identifiers (unique across agencies), then registers it. */
  registerAgency(input: RegisterAgencyInput, context: CommandContext): Promise<Agency>;
  registerSystem(input: RegisterSystemInput, context: CommandContext): Promise<RegisteredSystem>;
  registerStaff(input: RegisterStaffInput, context: CommandContext): Promise<RegisteredStaff>;
  /** A new token; the old one stops working once this returns. */
  rotateSystemToken(systemId: string, context: CommandContext): Promise<SystemRecord & { readonly token: string }>;
  /** Revokes for good; revoking again changes nothing. */
  revokeSystem(systemId: string, reason: string | null, context: CommandContext): Promise<SystemRecord>;
  /** A new token; the old one stops working once this returns. */
  rotateStaffToken(staffId: string, context: CommandContext): Promise<StaffRecord & { readonly token: string }>;
  /** Revokes for good; revoking again changes nothing. */
  revokeStaff(staffId: string, reason: string | null, context: CommandContext): Promise<StaffRecord>;
}

export function createDirectoryService({ store, view, waitFor }: DirectoryServiceDeps): DirectoryService {
  /** Claims an identifier for an agency (the rules: `organIdDecider`); true when this call reserved it, false when the agency held it already. */
  async function claim(id: string, organId: string, context: CommandContext): Promise<boolean> {
    const stream = DirectoryStreams.organId(organIdKey(id));
    for (let attempt = 0; ; attempt++) {
      const [last] = await store.readStream(stream, { direction: 'backward', maxCount: 1 });
      const holder = last?.type === 'OrganIdReserved' ? (last.data as { organId: string }).organId : null;
      const holderAgencyExists = holder !== null && (await store.streamInfo(DirectoryStreams.agency(holder))) !== null;
      try {
        const data = {
          id,
          organId,
          checkedHolder: holder,
          checkedClaimAt: holder === null ? null : last!.metadata.at,
          holderAgencyExists,
          at: (context.now ?? new Date()).toISOString(),
        };
        const command = { type: 'ReserveOrganId' as const, data };
        const result = await handleCommand(store, organIdDecider, stream, command, context);
        return result.appended.length > 0; // false: the agency held it already
      } catch (error) {
        // claimed by someone else since we looked: look again
        if (attempt < 3 && isDomainError(error, 'concurrent-update')) continue;
        throw error;
      }
    }
  }

  async function release(id: string, organId: string, context: CommandContext): Promise<void> {
    await handleCommand(
      store,
      organIdDecider,
      DirectoryStreams.organId(organIdKey(id)),
      { type: 'ReleaseOrganId', data: { id, organId } },
      context,
    );
  }

  function resolveAll(ids: readonly string[], what: string): string[] {
    const resolved = ids.map((id) => ({ id, organId: view.resolveOrganId(id) }));
    const unknown = resolved.filter((r) => r.organId === null).map((r) => r.id);
    if (unknown.length > 0) throw unprocessable(`unknown ${what}: ${unknown.join(', ')}`, { unknown });
    return [...new Set(resolved.map((r) => r.organId!))];
  }

  /** A new token for a system or staff member; the old one stops working once this returns. */
  async function rotate(kind: 'system' | 'staff', id: string, context: CommandContext): Promise<{ token: string }> {
    const token = newToken(kind);
    const command = { type: 'RotateToken' as const, data: { tokenHash: hashToken(token) } };
    const result =
      kind === 'system'
        ? await handleCommand(store, systemDecider, DirectoryStreams.system(id), command, context)
        : await handleCommand(store, staffDecider, DirectoryStreams.staff(id), command, context);
    await waitFor(result.appended.at(-1)!.position);
    return { token };
  }

  /** Revokes for good; the token stops working once this returns. Revoking again changes nothing. */
  async function revoke(kind: 'system' | 'staff', id: string, reason: string | null, context: CommandContext): Promise<void> {
    const command = { type: 'Revoke' as const, data: { reason } };
    const result =
      kind === 'system'
        ? await handleCommand(store, systemDecider, DirectoryStreams.system(id), command, context)
        : await handleCommand(store, staffDecider, DirectoryStreams.staff(id), command, context);
    const last = result.appended.at(-1);
    if (last) await waitFor(last.position);
  }

  return {
    async registerAgency(input: RegisterAgencyInput, context: CommandContext): Promise<Agency> {
      const organId = input.organId.trim();
      const altIds = (input.altIds ?? []).map((a) => a.trim());
      const keys = [organId, ...altIds].map(organIdKey);
      if (new Set(keys).size !== keys.length)
        throw validationError('organId and altIds must all be different', [{ path: 'body/altIds', message: 'repeats an identifier' }]);
      const parentId = input.parentId === undefined ? null : resolveAll([input.parentId], 'parent agency')[0]!;
      // 1. claim every identifier (uniqueness across agencies, both forms and alternatives);
      // on failure only those this request reserved are given back
      const claimed: string[] = [];
      try {
        for (const id of [organId, ...altIds]) if (await claim(id, organId, context)) claimed.push(id);
      } catch (error) {
        for (const id of claimed) await release(id, organId, context);
        throw error;
      }
      // 2. register the agency itself
      const result = await handleCommand(
        store,
        agencyDecider,
        DirectoryStreams.agency(organId),
        { type: 'RegisterAgency', data: { organId, name: input.name.trim(), level: input.level, parentId, altIds } },
        context,
      ).catch(async (error: unknown) => {
        for (const id of claimed) await release(id, organId, context);
        throw error;
      });
      await waitFor(result.appended.at(-1)!.position);
      return view.getAgency(organId)!;
    },

    async registerSystem(input: RegisterSystemInput, context: CommandContext) {
      const organIds = resolveAll(input.organIds, 'organisations');
      const systemId = randomUUID();
      const token = newToken('system');
      const data = {
        systemId,
        name: input.name.trim(),
        vendor: input.vendor.trim(),
        organIds,
        requireValidSignature: input.requireValidSignature ?? false,
        tokenHash: hashToken(token),
      };
      const result = await handleCommand(
        store,
        systemDecider,
        DirectoryStreams.system(systemId),
        { type: 'RegisterSystem', data },
        context,
      );
      await waitFor(result.appended.at(-1)!.position);
      const { tokenHash: _hidden, ...shown } = data;
      return { ...shown, token };
    },

    async registerStaff(input: RegisterStaffInput, context: CommandContext) {
      const agencyId = resolveAll([input.agencyId], 'agency')[0]!;
      const staffId = randomUUID();
      const token = newToken('staff');
      const data = { staffId, agencyId, name: input.name.trim(), roles: input.roles, tokenHash: hashToken(token) };
      const result = await handleCommand(store, staffDecider, DirectoryStreams.staff(staffId), { type: 'RegisterStaff', data }, context);
      await waitFor(result.appended.at(-1)!.position);
      const { tokenHash: _hidden, ...shown } = data;
      return { ...shown, token };
    },

    async rotateSystemToken(systemId: string, context: CommandContext) {
      const { token } = await rotate('system', systemId, context);
      return { ...view.getSystem(systemId)!, token };
    },

    async revokeSystem(systemId: string, reason: string | null, context: CommandContext) {
      await revoke('system', systemId, reason, context);
      return view.getSystem(systemId)!;
    },

    async rotateStaffToken(staffId: string, context: CommandContext) {
      const { token } = await rotate('staff', staffId, context);
      return { ...view.getStaff(staffId)!, token };
    },

    async revokeStaff(staffId: string, reason: string | null, context: CommandContext) {
      await revoke('staff', staffId, reason, context);
      return view.getStaff(staffId)!;
    },
  };
}
