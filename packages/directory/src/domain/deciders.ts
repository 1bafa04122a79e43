import { DomainError, assertNever, type Decider, type StaffRole } from '@lienthong/decider';
import type { AgencyEvent, OrganIdEvent, StaffEvent, SystemEvent } from './events.js';
import { organIdForm } from './organ-id.js';

// ---- agency -------------------------------------------------------------------------------
export type RegisterAgency = {
  type: 'RegisterAgency';
  data: {
    organId: string;
    name: string;
    level?: string | undefined;
    parentId?: string | null | undefined;
    altIds?: readonly string[] | undefined;
  };
};
export type AgencyState =
  | { registered: false }
  | { registered: true; organId: string; name: string; level: string | null; parentId: string | null; altIds: string[] };

export const agencyDecider: Decider<AgencyState, RegisterAgency, AgencyEvent> = {
  initialState: () => ({ registered: false }),
  decide(command, state) {
    switch (command.type) {
      case 'RegisterAgency': {
        if (state.registered) throw new DomainError('duplicate', `agency ${state.organId} already exists`);
        const { organId, name, level, parentId, altIds = [] } = command.data;
        return [
          {
            type: 'AgencyRegistered',
            data: { organId, name, level: level ?? null, parentId: parentId ?? null, altIds: [...altIds], form: organIdForm(organId) },
          },
        ];
      }
      default:
        return assertNever(command.type, 'command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'AgencyRegistered': {
        const { organId, name, level, parentId, altIds } = event.data;
        return { registered: true, organId, name, level, parentId, altIds };
      }
      default:
        return assertNever(event.type, 'event');
    }
  },
};

// ---- identifier claim ---------------------------------------------------------------------
export type ReserveOrganId = {
  type: 'ReserveOrganId';
  data: {
    id: string;
    organId: string;
    /** The holder the caller looked at (null: none), with when its claim was made and whether its agency exists. */
    checkedHolder: string | null;
    checkedClaimAt: string | null;
    holderAgencyExists: boolean;
    at: string;
  };
};
export type ReleaseOrganId = { type: 'ReleaseOrganId'; data: { id: string; organId: string } };
export type OrganIdState = { holder: string | null };

/** How long an identifier claimed by a registration whose agency does not exist yet stays its own. */
export const STALE_CLAIM_MS = 60_000;

/**
 * A claim whose holder agency was never created (a crash between claim and registration) is
 * stale once older than `STALE_CLAIM_MS`, and the id can be claimed again; a younger one is a
 * registration still in progress (another request, another process), and holds. A holder the
 * caller did not look at (claimed since) is not decided on: LT_CONCURRENT_UPDATE, and the caller
 * looks again.
 */
export const organIdDecider: Decider<OrganIdState, ReserveOrganId | ReleaseOrganId, OrganIdEvent> = {
  initialState: () => ({ holder: null }),
  decide(command, state) {
    switch (command.type) {
      case 'ReserveOrganId': {
        const { id, organId, checkedHolder, checkedClaimAt, holderAgencyExists, at } = command.data;
        if (state.holder === organId) return [];
        if (state.holder !== null && state.holder !== checkedHolder)
          throw new DomainError('concurrent-update', `identifier ${id} was claimed meanwhile`, { facts: { identifier: id } });
        const holderActive =
          holderAgencyExists || (checkedClaimAt !== null && Date.parse(at) - Date.parse(checkedClaimAt) < STALE_CLAIM_MS);
        if (state.holder !== null && holderActive)
          throw new DomainError('duplicate', `identifier ${id} already belongs to agency ${state.holder}`, {
            facts: { identifier: id, agency: state.holder },
          });
        return [{ type: 'OrganIdReserved', data: { id, organId } }];
      }
      case 'ReleaseOrganId':
        return state.holder === command.data.organId ? [{ type: 'OrganIdReleased', data: command.data }] : [];
      default:
        return assertNever(command, 'command');
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'OrganIdReserved':
        return { holder: event.data.organId };
      case 'OrganIdReleased':
        return state.holder === event.data.organId ? { holder: null } : state;
      default:
        return assertNever(event, 'event');
    }
  },
};

// ---- credentials (shared by systems and staff) -----------------------------------------------
/** What rotation and revocation need to know of a credential holder. */
type Credential = { registered: false } | { registered: true; id: string; revoked: boolean };

type CredentialCommand = { type: 'RotateToken'; data: { tokenHash: string } } | { type: 'Revoke'; data: { reason: string | null } };

/**
 * Rotation and revocation, the same for systems and staff: an unknown holder is 404; a revoked
 * one stays revoked (register a new one); revoking twice changes nothing.
 */
function decideCredential<E>(
  command: CredentialCommand,
  state: Credential,
  what: string,
  events: {
    rotated: (id: string, tokenHash: string) => E;
    revoked: (id: string, reason: string | null) => E;
  },
): E[] {
  if (!state.registered) throw new DomainError('not-found', `no ${what}`);
  if (command.type === 'Revoke') return state.revoked ? [] : [events.revoked(state.id, command.data.reason)];
  if (state.revoked) throw new DomainError('conflict', `${what} ${state.id} is revoked: register a new one`);
  return [events.rotated(state.id, command.data.tokenHash)];
}

// ---- vendor system ------------------------------------------------------------------------
export type RegisterSystem = {
  type: 'RegisterSystem';
  data: { systemId: string; name: string; vendor: string; organIds: readonly string[]; requireValidSignature: boolean; tokenHash: string };
};
export type SystemCommand = RegisterSystem | CredentialCommand;
export type SystemState = { registered: false } | { registered: true; id: string; organIds: string[]; revoked: boolean };

export const systemDecider: Decider<SystemState, SystemCommand, SystemEvent> = {
  initialState: () => ({ registered: false }),
  decide(command, state) {
    if (command.type !== 'RegisterSystem')
      return decideCredential<SystemEvent>(command, state, 'system', {
        rotated: (systemId, tokenHash) => ({ type: 'SystemTokenRotated', data: { systemId, tokenHash } }),
        revoked: (systemId, reason) => ({ type: 'SystemRevoked', data: { systemId, reason } }),
      });
    if (state.registered) throw new DomainError('duplicate', `system ${state.id} already exists`);
    if (command.data.organIds.length === 0) throw new DomainError('invalid', 'a system acts for at least one organisation');
    return [{ type: 'SystemRegistered', data: { ...command.data, organIds: [...command.data.organIds] } }];
  },
  evolve(state, event) {
    switch (event.type) {
      case 'SystemRegistered':
        return { registered: true, id: event.data.systemId, organIds: event.data.organIds, revoked: false };
      case 'SystemTokenRotated':
        return state;
      case 'SystemRevoked':
        return state.registered ? { ...state, revoked: true } : state;
      default:
        return assertNever(event, 'event');
    }
  },
};

// ---- staff --------------------------------------------------------------------------------
export type RegisterStaff = {
  type: 'RegisterStaff';
  data: { staffId: string; agencyId: string; name: string; roles: readonly StaffRole[]; tokenHash: string };
};
export type StaffCommand = RegisterStaff | CredentialCommand;
export type StaffState = { registered: false } | { registered: true; id: string; agencyId: string; roles: StaffRole[]; revoked: boolean };

export const staffDecider: Decider<StaffState, StaffCommand, StaffEvent> = {
  initialState: () => ({ registered: false }),
  decide(command, state) {
    if (command.type !== 'RegisterStaff')
      return decideCredential<StaffEvent>(command, state, 'staff member', {
        rotated: (staffId, tokenHash) => ({ type: 'StaffTokenRotated', data: { staffId, tokenHash } }),
        revoked: (staffId, reason) => ({ type: 'StaffRevoked', data: { staffId, reason } }),
      });
    if (state.registered) throw new DomainError('duplicate', `staff ${state.id} already exists`);
    if (command.data.roles.length === 0) throw new DomainError('invalid', 'a staff member has at least one role');
    return [{ type: 'StaffRegistered', data: { ...command.data, roles: [...command.data.roles] } }];
  },
  evolve(state, event) {
    switch (event.type) {
      case 'StaffRegistered':
        return { registered: true, id: event.data.staffId, agencyId: event.data.agencyId, roles: event.data.roles, revoked: false };
      case 'StaffTokenRotated':
        return state;
      case 'StaffRevoked':
        return state.registered ? { ...state, revoked: true } : state;
      default:
        return assertNever(event, 'event');
    }
  },
};
