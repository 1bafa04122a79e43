/**
 * The seal check of a verification: fed every event in position order, it recomputes the running
 * hash and compares each seal, signature included, when the events reach its position. A seal
 * vouches for every position up to its own. Positions must have no gaps, unless a seal vouches
 * for the gap (a store older than seals lost positions to refused duplicate ids): a gap is named
 * when the seal after it does not hold, or when no seal follows it. A finding names the first
 * missing position, or else the first position no good seal vouches for.
 */
import type { KeyObject } from 'node:crypto';
import { CHAIN_START, foldChain, parseSeal, sealSignatureHolds, shortSeal, type Seal } from '@lienthong/event-store';
import type { BrokenLink } from './chain.js';
import type { ChainSource } from './sources.js';

/** The key seals must be signed with. */
export interface SealKey {
  readonly publicKey: KeyObject;
  readonly keyId: string;
}

/** What the verification says of the seals. */
export interface SealReport {
  /** Seals whose running hash and signature hold. */
  readonly checked: number;
  /** The latest good seal; `short` is what to write down (see docs/services/audit.md). */
  readonly last: (Seal & { readonly short: string }) | null;
}

const PAGE = 5000;

export class SealChecker {
  broken: BrokenLink | undefined;
  checked = 0;
  private last: Seal | null = null;
  private chain = CHAIN_START;
  /** Position of the last event folded. */
  private folded = 0;
  /** The first gap since the last good seal. */
  private gap: { readonly from: number; readonly to: number } | null = null;
  private pending: Seal[] = [];
  private loadedSeq = 0;

  /** Checks seals 1..`lastSeq` (later ones were made after the snapshot: the next run's). */
  constructor(private readonly source: ChainSource, private readonly key: SealKey, private readonly lastSeq: number) {}

  /** Loads seals until one past `position` is pending (or none is left); call before feeding events up to it. */
  async load(position: number): Promise<void> {
    while (this.loadedSeq < this.lastSeq && (this.pending.at(-1)?.position ?? -1) <= position) {
      const rows = await this.source.seals(this.loadedSeq, Math.min(PAGE, this.lastSeq - this.loadedSeq));
      if (rows.length === 0) return;
      for (const row of rows) {
        const seal = parseSeal(row);
        const seq = Number((row as { seq?: unknown }).seq);
        if (typeof seal === 'string') {
          this.fail(this.vouched() + 1, `seal row ${String(seq)} is unreadable: ${seal}`, seq);
          this.loadedSeq = this.lastSeq;
          return;
        }
        this.pending.push(seal);
        this.loadedSeq = seal.seq;
      }
    }
  }

  /** False once something does not hold. */
  event(position: number, hash: string): boolean {
    if (this.broken) return false;
    this.settleUpTo(this.folded);
    if (this.broken) return false;
    if (position > this.folded + 1) this.gap ??= { from: this.folded + 1, to: position - 1 };
    this.settleUpTo(position - 1);
    if (this.broken) return false;
    this.chain = foldChain(this.chain, position, hash);
    this.folded = position;
    return true;
  }

  /** A gap no seal vouches for yet: when another check fails after it, the gap comes first. */
  gapFinding(): BrokenLink | undefined {
    return this.gap ? this.gapLink(this.gap) : undefined;
  }

  /** After the last event (`head`): a gap no seal vouches for, seals past the end, no seal at all, an unsealed tail longer than the rule allows. */
  end(head: number): boolean {
    this.settleUpTo(head);
    if (this.broken) return false;
    if (this.gap) return this.fail(this.gap.from, this.gapLink(this.gap).reason);
    const beyond = this.pending[0];
    if (beyond)
      return this.fail(Math.max(this.vouched(), head) + 1, `seal #${beyond.seq} covers up to position ${beyond.position} but the store ends at ${head}: events at the end removed`, beyond.seq);
    if (!this.last)
      return this.fail(1, 'the store has no seal (all removed?); a hub that has not run since seals were introduced seals its store when it starts');
    if (head - this.last.position >= this.last.every)
      return this.fail(
        this.last.position + 1,
        `positions ${this.last.position + 1}..${head} are past the last seal #${this.last.seq}, more than its rule leaves unsealed (fewer than ${this.last.every}): a later seal removed, or a process without the hub key appended`,
        this.last.seq,
      );
    return true;
  }

  report(): SealReport {
    return { checked: this.checked, last: this.last ? { ...this.last, short: shortSeal(this.last) } : null };
  }

  private vouched(): number {
    return this.last?.position ?? 0;
  }

  /** Compares the pending seals at or below `position` with the running hash (which covers up to `folded`). */
  private settleUpTo(position: number): void {
    while (!this.broken && this.pending.length > 0 && this.pending[0]!.position <= position) this.settle(this.pending.shift()!);
  }

  private settle(seal: Seal): void {
    const expectedSeq = (this.last?.seq ?? 0) + 1;
    if (seal.seq !== expectedSeq) {
      this.fail(this.vouched() + 1, `seal #${expectedSeq} is missing (seal #${seal.seq} follows #${expectedSeq - 1}): a seal removed`, expectedSeq);
      return;
    }
    if (seal.keyId !== this.key.keyId) {
      this.fail(seal.position, `seal #${seal.seq} names key ${seal.keyId}, this hub's key is ${this.key.keyId}`, seal.seq);
      return;
    }
    if (!sealSignatureHolds(seal, this.key.publicKey)) {
      this.fail(seal.position, `the signature of seal #${seal.seq} does not hold: the seal was altered`, seal.seq);
      return;
    }
    if (seal.chain !== this.chain) {
      if (this.gap) {
        this.broken ??= { ...this.gapLink(this.gap), seal: seal.seq };
        return;
      }
      this.fail(
        this.vouched() + 1,
        `positions ${this.vouched() + 1}..${seal.position} are not what seal #${seal.seq} signed (its running hash differs): events removed, added, reordered or altered there`,
        seal.seq,
      );
      return;
    }
    this.last = seal;
    this.gap = null;
    this.checked++;
  }

  private gapLink(gap: { from: number; to: number }): BrokenLink {
    return { stream: '', revision: -1, position: gap.from, eventId: null, reason: `positions ${gap.from}..${gap.to} are missing: events removed` };
  }

  private fail(position: number, reason: string, seal?: number): false {
    this.broken ??= { stream: '', revision: -1, position, eventId: null, reason, ...(seal !== undefined ? { seal } : {}) };
    return false;
  }
}
