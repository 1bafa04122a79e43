/**
 * Seals of the SQLite store (format and running hash: `seal.ts`), kept in the `seals` table
 * beside the events. A seal is made inside a write transaction, so it sees exactly the events
 * committed before it: in the append transaction itself once `every` positions are past the last
 * seal (a deleted last seal then shows as too long an unsealed tail), and on open, on a timer
 * and on close whenever anything is unsealed.
 */
import type { KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import { CHAIN_START, foldChain, keyIdOf, signSeal, type Seal } from './seal.js';

export interface SealingOptions {
  /** The hub's Ed25519 private key. */
  readonly privateKey: KeyObject;
  /** An append that leaves this many positions or more past the last seal seals them (default 1,000). */
  readonly every?: number;
  /** Otherwise unsealed events are sealed this often (ms, default 60,000). */
  readonly intervalMs?: number;
}

export const SEAL_COLUMNS = 'seq, position, chain, at, every, key_id AS keyId, signature';

/** `due`: only when `every` positions are unsealed; `any`: whenever one is (and always the first seal). */
export type SealWhen = 'due' | 'any';

/** What a seal attempt found: sealed, nothing to seal, or a store that ends before its last seal. */
export type SealOutcome =
  | { readonly kind: 'sealed'; readonly seal: Seal }
  | { readonly kind: 'none' }
  | { readonly kind: 'behind'; readonly head: number; readonly sealed: Seal };

export class SqliteSealer {
  readonly every: number;
  readonly intervalMs: number;
  private readonly keyId: string;
  private readonly s;

  constructor(db: Database.Database, private readonly options: SealingOptions) {
    this.every = options.every ?? 1000;
    this.intervalMs = options.intervalMs ?? 60_000;
    if (!Number.isSafeInteger(this.every) || this.every < 1) throw new TypeError(`seal every must be a positive integer, not ${this.every}`);
    this.keyId = keyIdOf(options.privateKey);
    this.s = {
      last: db.prepare<[], Seal>(`SELECT ${SEAL_COLUMNS} FROM seals ORDER BY seq DESC LIMIT 1`),
      head: db.prepare<[], { p: number }>('SELECT COALESCE(MAX(position), 0) AS p FROM events'),
      hashes: db.prepare<[number, number], [number, string]>('SELECT position, hash FROM events WHERE position > ? AND position <= ? ORDER BY position').raw(true),
      insert: db.prepare('INSERT INTO seals (seq, position, chain, at, every, key_id, signature) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    };
  }

  /** Call inside a write transaction (BEGIN IMMEDIATE): the head and the last seal cannot move meanwhile. */
  sealInTransaction(when: SealWhen): SealOutcome {
    const last = this.s.last.get();
    const head = this.s.head.get()?.p ?? 0;
    if (last && head < last.position) return { kind: 'behind', head, sealed: last };
    const from = last ?? { seq: 0, position: 0, chain: CHAIN_START };
    const unsealed = head - from.position;
    if (last && (when === 'due' ? unsealed < this.every : unsealed === 0)) return { kind: 'none' };
    let chain = from.chain;
    // Iterated, not loaded: the first seal of a large existing store folds every event once.
    for (const [position, hash] of this.s.hashes.iterate(from.position, head)) chain = foldChain(chain, position, hash);
    const seal = signSeal({ seq: from.seq + 1, position: head, chain, at: new Date().toISOString(), every: this.every, keyId: this.keyId }, this.options.privateKey);
    this.s.insert.run(seal.seq, seal.position, seal.chain, seal.at, seal.every, seal.keyId, seal.signature);
    return { kind: 'sealed', seal };
  }
}
