import type { RecordedEvent } from '@lienthong/event-store';
import { statement, type Database, type Projection } from '@lienthong/projections';
import type { StaffRole } from '@lienthong/decider';
import type { Principal } from '@lienthong/service-kit';
import { DIRECTORY_STREAM_PREFIXES, type DirectoryEvent } from '../domain/events.js';
import { organIdKey } from '../domain/organ-id.js';

/**
 * Bumped whenever a token stops working (rotation, revocation) or a read model is (re)built, in
 * any directory read model of this process: authenticators drop the principals they remember.
 * Process-wide on purpose: these are rare, and a needless flush only costs a few lookups.
 */
let credentialsEpoch = 0;
/** Bumped when any agency identifier appears (or a read model is built): resolutions cached before are dropped. */
let agencyEpoch = 0;
/** Most identifier resolutions a view remembers (unknown ones included) before starting over. */
const MAX_RESOLVED = 10_000;

/** Agencies, their identifiers, systems and staff, and the token hashes that authenticate them. */
export const directoryProjection: Projection = {
  name: 'directory',
  version: 2,
  streamPrefixes: DIRECTORY_STREAM_PREFIXES.filter((p) => p !== 'organid-'),
  init(db) {
    db.exec(`
      CREATE TABLE agencies (organ_id TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT, parent_id TEXT,
        alt_ids TEXT NOT NULL, form TEXT NOT NULL, registered_at TEXT NOT NULL);
      CREATE TABLE agency_ids (id_key TEXT PRIMARY KEY, organ_id TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE systems (system_id TEXT PRIMARY KEY, name TEXT NOT NULL, vendor TEXT NOT NULL, organ_ids TEXT NOT NULL,
        require_valid_signature INTEGER NOT NULL, token_hash TEXT NOT NULL UNIQUE, registered_at TEXT NOT NULL,
        token_issued_at TEXT NOT NULL, revoked_at TEXT);
      CREATE TABLE staff (staff_id TEXT PRIMARY KEY, agency_id TEXT NOT NULL, name TEXT NOT NULL, roles TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE, registered_at TEXT NOT NULL, token_issued_at TEXT NOT NULL, revoked_at TEXT);
      CREATE INDEX staff_agency ON staff(agency_id);`);
    credentialsEpoch++;
    agencyEpoch++;
  },
  apply(db: Database, recorded: RecordedEvent) {
    const event = { type: recorded.type, data: recorded.data } as DirectoryEvent;
    const at = recorded.metadata.at;
    switch (event.type) {
      case 'AgencyRegistered': {
        const d = event.data;
        db.prepare('INSERT INTO agencies VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          d.organId,
          d.name,
          d.level,
          d.parentId,
          JSON.stringify(d.altIds),
          d.form,
          at,
        );
        const ids = db.prepare('INSERT OR REPLACE INTO agency_ids VALUES (?, ?)');
        for (const id of [d.organId, ...d.altIds]) ids.run(organIdKey(id), d.organId);
        agencyEpoch++;
        return;
      }
      case 'SystemRegistered': {
        const d = event.data;
        statement(db, 'INSERT INTO systems VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)').run(
          d.systemId,
          d.name,
          d.vendor,
          JSON.stringify(d.organIds),
          d.requireValidSignature ? 1 : 0,
          d.tokenHash,
          at,
          at,
        );
        return;
      }
      case 'SystemTokenRotated':
        return changeCredential(db, 'systems', 'system_id', event.data.systemId, { tokenHash: event.data.tokenHash, at });
      case 'SystemRevoked':
        return changeCredential(db, 'systems', 'system_id', event.data.systemId, { revokedAt: at });
      case 'StaffRegistered': {
        const d = event.data;
        statement(db, 'INSERT INTO staff VALUES (?, ?, ?, ?, ?, ?, ?, NULL)').run(
          d.staffId,
          d.agencyId,
          d.name,
          JSON.stringify(d.roles),
          d.tokenHash,
          at,
          at,
        );
        return;
      }
      case 'StaffTokenRotated':
        return changeCredential(db, 'staff', 'staff_id', event.data.staffId, { tokenHash: event.data.tokenHash, at });
      case 'StaffRevoked':
        return changeCredential(db, 'staff', 'staff_id', event.data.staffId, { revokedAt: at });
      default:
        return; // identifier claims are not read here
    }
  },
};

/** A vendor system as admins see it (never its token hash). */
/** A rotation (new token hash) or a revocation of a system's or staff member's credentials. */
function changeCredential(
  db: Database,
  table: 'systems' | 'staff',
  idColumn: 'system_id' | 'staff_id',
  id: string,
  change: { tokenHash: string; at: string } | { revokedAt: string },
): void {
  if ('tokenHash' in change)
    statement(db, `UPDATE ${table} SET token_hash = ?, token_issued_at = ? WHERE ${idColumn} = ?`).run(change.tokenHash, change.at, id);
  else statement(db, `UPDATE ${table} SET revoked_at = ? WHERE ${idColumn} = ? AND revoked_at IS NULL`).run(change.revokedAt, id);
  credentialsEpoch++;
}

export interface SystemRecord {
  readonly systemId: string;
  readonly name: string;
  readonly vendor: string;
  readonly organIds: string[];
  readonly requireValidSignature: boolean;
  readonly registeredAt: string;
  /** When the token in use was issued (registration or the last rotation). */
  readonly tokenIssuedAt: string;
  readonly revokedAt: string | null;
}

/** A staff member as admins see it. */
export interface StaffRecord {
  readonly staffId: string;
  readonly agencyId: string;
  readonly name: string;
  readonly roles: StaffRole[];
  readonly registeredAt: string;
  readonly tokenIssuedAt: string;
  readonly revokedAt: string | null;
}

type CredentialRow = Record<string, string | number | null>;

const toSystem = (r: CredentialRow): SystemRecord => ({
  systemId: String(r.system_id),
  name: String(r.name),
  vendor: String(r.vendor),
  organIds: JSON.parse(String(r.organ_ids)) as string[],
  requireValidSignature: r.require_valid_signature === 1,
  registeredAt: String(r.registered_at),
  tokenIssuedAt: String(r.token_issued_at),
  revokedAt: r.revoked_at === null ? null : String(r.revoked_at),
});

const toStaff = (r: CredentialRow): StaffRecord => ({
  staffId: String(r.staff_id),
  agencyId: String(r.agency_id),
  name: String(r.name),
  roles: JSON.parse(String(r.roles)) as StaffRole[],
  registeredAt: String(r.registered_at),
  tokenIssuedAt: String(r.token_issued_at),
  revokedAt: r.revoked_at === null ? null : String(r.revoked_at),
});

export interface Agency {
  readonly organId: string;
  readonly name: string;
  readonly level: string | null;
  readonly parentId: string | null;
  readonly altIds: string[];
  readonly form: string;
  readonly registeredAt: string;
}

interface AgencyRow {
  organ_id: string;
  name: string;
  level: string | null;
  parent_id: string | null;
  alt_ids: string;
  form: string;
  registered_at: string;
}

const toAgency = (r: AgencyRow): Agency => ({
  organId: r.organ_id,
  name: r.name,
  level: r.level,
  parentId: r.parent_id,
  altIds: JSON.parse(r.alt_ids) as string[],
  form: r.form,
  registeredAt: r.registered_at,
});

/** Queries over the directory read model: what other packages ask of the directory. */
export interface DirectoryView {
  /** The agency's own organId for any of its identifiers, or null. */
  resolveOrganId(id: string): string | null;
  /** The agency known by any of its identifiers, or null. */
  getAgency(id: string): Agency | null;
  /** Agencies by organId, paged (`after` = the last organId of the previous page), of one parent or all. */
  listAgencies(options: { limit: number; after?: string | undefined; parentId?: string | undefined }): Agency[];
  getSystem(systemId: string): SystemRecord | null;
  getStaff(staffId: string): StaffRecord | null;
  /** Vendor systems by id, paged (`after` = the last id of the previous page). */
  listSystems(options: { limit: number; after?: string | undefined }): SystemRecord[];
  /** Staff by id, of one agency or all, paged. */
  listStaff(options: { limit: number; after?: string | undefined; agencyId?: string | undefined }): StaffRecord[];
  /** Changes whenever a token may have stopped working (see `credentialsEpoch`). */
  credentialsEpoch(): number;
  /**
   * Whether a long-lived session of this principal (a WebSocket, a board ticket) may go on: the
   * token it authenticated with is still the holder's current one and not revoked. Compares the
   * credential itself, so no clock is involved. The bootstrap admin and anonymous callers have
   * nothing to revoke; a principal without a credential is checked for revocation only.
   */
  sessionValid(principal: Principal): boolean;
  /** The principal of a token in use: not revoked, not rotated away. */
  principalByTokenHash(hash: string): Principal | null;
}

/** The directory view over a read model; `db` is asked for each call because a rebuild swaps it. */
export function directoryView(db: () => Database): DirectoryView {
  // Every document names several organisations: resolutions are remembered until an agency
  // identifier appears anywhere (agencies are never removed and their ids never change).
  const resolved = new Map<string, string | null>();
  let resolvedAt = agencyEpoch;
  // A rebuild swaps the file in after it has applied events the old one never saw: whatever was
  // remembered from the old file is dropped then, as when an event is applied.
  let seen = db();
  const noticeSwap = (): void => {
    if (db() === seen) return;
    seen = db();
    credentialsEpoch++;
    agencyEpoch++;
  };
  return {
    resolveOrganId(id: string): string | null {
      noticeSwap();
      if (resolvedAt !== agencyEpoch || resolved.size >= MAX_RESOLVED) {
        resolved.clear();
        resolvedAt = agencyEpoch;
      }
      const key = organIdKey(id);
      const known = resolved.get(key);
      if (known !== undefined) return known;
      const row = statement(db(), 'SELECT organ_id FROM agency_ids WHERE id_key = ?').get(key) as { organ_id: string } | undefined;
      const organId = row?.organ_id ?? null;
      resolved.set(key, organId);
      return organId;
    },
    getAgency(id: string): Agency | null {
      const row = statement(db(), 'SELECT a.* FROM agency_ids i JOIN agencies a ON a.organ_id = i.organ_id WHERE i.id_key = ?').get(
        organIdKey(id),
      ) as AgencyRow | undefined;
      return row ? toAgency(row) : null;
    },
    listAgencies(options: { limit: number; after?: string | undefined; parentId?: string | undefined }): Agency[] {
      const rows = statement(
        db(),
        `SELECT * FROM agencies WHERE organ_id > ? AND (? IS NULL OR parent_id = ?) ORDER BY organ_id LIMIT ?`,
      ).all(options.after ?? '', options.parentId ?? null, options.parentId ?? null, options.limit) as AgencyRow[];
      return rows.map(toAgency);
    },
    getSystem(systemId: string): SystemRecord | null {
      const r = statement(db(), 'SELECT * FROM systems WHERE system_id = ?').get(systemId) as CredentialRow | undefined;
      return r ? toSystem(r) : null;
    },
    getStaff(staffId: string): StaffRecord | null {
      const r = statement(db(), 'SELECT * FROM staff WHERE staff_id = ?').get(staffId) as CredentialRow | undefined;
      return r ? toStaff(r) : null;
    },
    listSystems(options: { limit: number; after?: string | undefined }): SystemRecord[] {
      const rows = statement(db(), 'SELECT * FROM systems WHERE system_id > ? ORDER BY system_id LIMIT ?').all(
        options.after ?? '',
        options.limit,
      ) as CredentialRow[];
      return rows.map(toSystem);
    },
    listStaff(options: { limit: number; after?: string | undefined; agencyId?: string | undefined }): StaffRecord[] {
      const rows = statement(db(), 'SELECT * FROM staff WHERE staff_id > ? AND (? IS NULL OR agency_id = ?) ORDER BY staff_id LIMIT ?').all(
        options.after ?? '',
        options.agencyId ?? null,
        options.agencyId ?? null,
        options.limit,
      ) as CredentialRow[];
      return rows.map(toStaff);
    },
    credentialsEpoch(): number {
      noticeSwap();
      return credentialsEpoch;
    },
    sessionValid(principal: Principal): boolean {
      if (principal.kind === 'admin' || principal.kind === 'public') return true;
      const row = (
        principal.kind === 'system'
          ? statement(db(), 'SELECT token_hash AS current, revoked_at AS revoked FROM systems WHERE system_id = ?')
          : statement(db(), 'SELECT token_hash AS current, revoked_at AS revoked FROM staff WHERE staff_id = ?')
      ).get(principal.id) as { current: string; revoked: string | null } | undefined;
      return row !== undefined && row.revoked === null && (principal.credential === undefined || principal.credential === row.current);
    },
    principalByTokenHash(hash: string): Principal | null {
      const system = statement(
        db(),
        'SELECT system_id, organ_ids, require_valid_signature FROM systems WHERE token_hash = ? AND revoked_at IS NULL',
      ).get(hash) as { system_id: string; organ_ids: string; require_valid_signature: number } | undefined;
      if (system)
        return {
          kind: 'system',
          id: system.system_id,
          organIds: JSON.parse(system.organ_ids) as string[],
          requireValidSignature: system.require_valid_signature === 1,
          credential: hash,
        };
      const staff = statement(db(), 'SELECT staff_id, agency_id, roles FROM staff WHERE token_hash = ? AND revoked_at IS NULL').get(
        hash,
      ) as { staff_id: string; agency_id: string; roles: string } | undefined;
      if (staff)
        return {
          kind: 'staff',
          id: staff.staff_id,
          agencyId: staff.agency_id,
          roles: JSON.parse(staff.roles) as StaffRole[],
          credential: hash,
        };
      return null;
    },
  };
}
