/**
 * Seals of the SQLite store (format and running hash: `seal.ts`), kept in the `seals` table
 * beside the events. A seal is made inside a write transaction, so it sees exactly the events
 * committed before it: in the append transaction itself once `every` positions are past the last
 * seal (a deleted last seal then shows as too long an unsealed tail), and on open, on a timer
 * and on close whenever anything is unsealed.
 *
 * The sealer signs only what it can vouch for: an empty store (its first seal at position 0), then
 * each position after the last seal, which must be the previous one plus one (positions are given
 * back on refused appends, so a gap after a seal is events removed: it refuses to seal across it).
 * A store that holds events but no seal (older than seals, or its seals removed) is never sealed
 * implicitly: an operator adopts it (`adoptSqliteStore`, `lienthong seal --adopt`), and that first
 * seal says so (`kind: 'adopt'`).
 */
import type { KeyObject } from 'node:crypto';
import Database from 'better-sqlite3';
import { CHAIN_START, foldChain, keyIdOf, signSeal, type Seal, type SealKind } from './seal.js';
import { applyPragmas, applySchema } from './sqlite-schema.js';

export interface SealingOptions {
  /** The hub's Ed25519 private key. */
  readonly privateKey: KeyObject;
  /** An append that leaves this many positions or more past the last seal seals them (default 1,000). */
  readonly every?: number;
  /** Otherwise unsealed events are sealed this often (ms, default 60,000). */
  readonly intervalMs?: number;
}

/** The seals table's columns as `Seal` fields (`kind` NULL on an ordinary seal: `parseSeal` drops it). */
export const SEAL_COLUMNS = 'seq, position, chain, at, every, key_id AS keyId, signature, kind';

/** `due`: only when `every` positions are unsealed; `any`: whenever one is (and always the first seal). */
export type SealWhen = 'due' | 'any';

/**
 * What a seal attempt found: sealed, nothing to seal, a store that ends before its last seal, a
 * store with events and no seal (to adopt), or positions missing after the last seal.
 */
export type SealOutcome =
  | { readonly kind: 'sealed'; readonly seal: Seal }
  | { readonly kind: 'none' }
  | { readonly kind: 'behind'; readonly head: number; readonly sealed: Seal }
  | { readonly kind: 'unadopted'; readonly head: number }
  | { readonly kind: 'gap'; readonly from: number; readonly to: number; readonly sealed: Seal };

/** What an adoption found: sealed, a store sealed already, or an empty store (sealed at 0 by the hub). */
export type AdoptOutcome =
  { readonly kind: 'sealed'; readonly seal: Seal } | { readonly kind: 'already-sealed'; readonly last: Seal } | { readonly kind: 'empty' };

export class SqliteSealer {
  readonly every: number;
  readonly intervalMs: number;
  private readonly keyId: string;
  private readonly s;
  /**
   * The last seal this sealer read or made, reused while the table's last row has its seq,
   * position and chain (a seal made in a transaction rolled back, or another process's, differ):
   * each append transaction then reads those three, not the whole row with its signature.
   */
  private known: Seal | undefined;

  constructor(
    db: Database.Database,
    private readonly options: SealingOptions,
  ) {
    this.every = options.every ?? 1000;
    this.intervalMs = options.intervalMs ?? 60_000;
    if (!Number.isSafeInteger(this.every) || this.every < 1)
      throw new TypeError(`seal every must be a positive integer, not ${this.every}`);
    this.keyId = keyIdOf(options.privateKey);
    this.s = {
      last: db.prepare<[], Seal>(`SELECT ${SEAL_COLUMNS} FROM seals ORDER BY seq DESC LIMIT 1`),
      lastKey: db.prepare<[], [number, number, string]>('SELECT seq, position, chain FROM seals ORDER BY seq DESC LIMIT 1').raw(true),
      head: db.prepare<[], number>('SELECT COALESCE(MAX(position), 0) FROM events').pluck(true),
      hashes: db
        .prepare<[number, number], [number, string]>(
          'SELECT position, hash FROM events WHERE position > ? AND position <= ? ORDER BY position',
        )
        .raw(true),
      insert: db.prepare('INSERT INTO seals (seq, position, chain, at, every, key_id, signature, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    };
  }

  /** Call inside a write transaction (BEGIN IMMEDIATE): the head and the last seal cannot move meanwhile. */
  sealInTransaction(when: SealWhen): SealOutcome {
    const last = this.lastSeal();
    const head = this.s.head.get() ?? 0;
    if (!last) {
      // Only an empty store is sealed without an operator: its history is nothing.
      if (head > 0) return { kind: 'unadopted', head };
      return { kind: 'sealed', seal: this.insert(1, 0, CHAIN_START) };
    }
    if (head < last.position) return { kind: 'behind', head, sealed: last };
    const unsealed = head - last.position;
    if (when === 'due' ? unsealed < this.every : unsealed === 0) return { kind: 'none' };
    let chain = last.chain;
    let expected = last.position + 1;
    for (const [position, hash] of this.s.hashes.iterate(last.position, head)) {
      // Never vouch for a missing position: it was there (positions are not skipped) and is gone.
      if (position !== expected) return { kind: 'gap', from: expected, to: position - 1, sealed: last };
      chain = foldChain(chain, position, hash);
      expected++;
    }
    return { kind: 'sealed', seal: this.insert(last.seq + 1, head, chain) };
  }

  /**
   * The first seal of a store that holds events, made by an operator who vouches for them (after
   * `verify`, against a copy kept elsewhere when there is one): every event up to the head, gaps
   * included (an older store lost positions to refused duplicate ids), marked `adopt`. Call inside
   * a write transaction.
   */
  adoptInTransaction(): AdoptOutcome {
    const last = this.lastSeal();
    if (last) return { kind: 'already-sealed', last };
    const head = this.s.head.get() ?? 0;
    if (head === 0) return { kind: 'empty' };
    let chain = CHAIN_START;
    // Iterated, not loaded: a large store folds every event once.
    for (const [position, hash] of this.s.hashes.iterate(0, head)) chain = foldChain(chain, position, hash);
    return { kind: 'sealed', seal: this.insert(1, head, chain, 'adopt') };
  }

  /** The table's last seal (see `known`). */
  private lastSeal(): Seal | undefined {
    const key = this.s.lastKey.get();
    if (key === undefined) return (this.known = undefined);
    if (this.known?.seq === key[0] && this.known.position === key[1] && this.known.chain === key[2]) return this.known;
    return (this.known = this.s.last.get());
  }

  private insert(seq: number, position: number, chain: string, kind?: SealKind): Seal {
    const seal = signSeal(
      { seq, position, chain, at: new Date().toISOString(), every: this.every, keyId: this.keyId, ...(kind ? { kind } : {}) },
      this.options.privateKey,
    );
    this.s.insert.run(seal.seq, seal.position, seal.chain, seal.at, seal.every, seal.keyId, seal.signature, seal.kind ?? null);
    return (this.known = seal);
  }
}

/**
 * Adopts the store in `file` (the hub stopped): see `SqliteSealer.adoptInTransaction`. The file
 * must exist; nothing is written unless it holds events and no seal.
 */
export function adoptSqliteStore(file: string, sealing: Pick<SealingOptions, 'privateKey' | 'every'>): AdoptOutcome {
  const db = new Database(file, { fileMustExist: true });
  try {
    applyPragmas(db, 'full');
    applySchema(db);
    const sealer = new SqliteSealer(db, sealing);
    return db.transaction(() => sealer.adoptInTransaction()).immediate();
  } finally {
    db.close();
  }
}
