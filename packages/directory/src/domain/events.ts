import type { StaffRole } from '@lienthong/decider';
import type { OrganIdForm } from './organ-id.js';

/** Agency (cơ quan, đơn vị): one stream per agency, `agency-<organId>`. */
export type AgencyRegistered = {
  type: 'AgencyRegistered';
  data: { organId: string; name: string; level: string | null; parentId: string | null; altIds: string[]; form: OrganIdForm };
};
export type AgencyEvent = AgencyRegistered;

/** Claim on one identifier, stream `organid-<KEY>`: what makes identifiers unique across agencies. */
export type OrganIdReserved = { type: 'OrganIdReserved'; data: { id: string; organId: string } };
export type OrganIdReleased = { type: 'OrganIdReleased'; data: { id: string; organId: string } };
export type OrganIdEvent = OrganIdReserved | OrganIdReleased;

/** Vendor document system (hệ thống QLVB của nhà cung cấp), stream `system-<systemId>`. */
export type SystemRegistered = {
  type: 'SystemRegistered';
  data: { systemId: string; name: string; vendor: string; organIds: string[]; requireValidSignature: boolean; tokenHash: string };
};
/** A new token replaces the system's token; the old one stops working. */
export type SystemTokenRotated = { type: 'SystemTokenRotated'; data: { systemId: string; tokenHash: string } };
/** The system's credentials are revoked for good (its record and history stay). */
export type SystemRevoked = { type: 'SystemRevoked'; data: { systemId: string; reason: string | null } };
export type SystemEvent = SystemRegistered | SystemTokenRotated | SystemRevoked;

/** Staff member (cán bộ) of one agency, stream `staff-<staffId>`. */
export type StaffRegistered = {
  type: 'StaffRegistered';
  data: { staffId: string; agencyId: string; name: string; roles: StaffRole[]; tokenHash: string };
};
export type StaffTokenRotated = { type: 'StaffTokenRotated'; data: { staffId: string; tokenHash: string } };
export type StaffRevoked = { type: 'StaffRevoked'; data: { staffId: string; reason: string | null } };
export type StaffEvent = StaffRegistered | StaffTokenRotated | StaffRevoked;

export type DirectoryEvent = AgencyEvent | OrganIdEvent | SystemEvent | StaffEvent;

export const DirectoryStreams = {
  agency: (organId: string) => `agency-${organId}`,
  organId: (key: string) => `organid-${key}`,
  system: (systemId: string) => `system-${systemId}`,
  staff: (staffId: string) => `staff-${staffId}`,
} as const;

/** Stream prefixes owned by the directory. */
export const DIRECTORY_STREAM_PREFIXES = ['agency-', 'organid-', 'system-', 'staff-'] as const;
