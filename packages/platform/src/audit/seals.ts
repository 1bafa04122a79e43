/**
 * The seal check of a verification: fed every event in position order, it recomputes the running
 * hash and compares each seal, signature included, when the events reach its position. A seal
 * vouches for every position up to its own. Positions must have no gaps, except at or below the
 * first seal: a store older than seals lost positions to refused duplicate ids, and its first
 * seal (the operator's adoption, `kind: 'adopt'`) vouches for them when it holds. After the
 * first seal positions are given back on refused appends, so a gap there is events removed,
 * whatever the seals after it say. A finding names the first missing position, or else the first
 * position no good seal vouches for.
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
  /**
   * The first seal when it covers events (`kind: 'adopt'`: an operator adopted a store that held
   * events): the history up to its position was vouched for only then, not as it was written.
   * null for a store sealed from empty (its first seal at position 0).
   */
  readonly adopted: (Seal & { readonly short: string }) | null;
}

const PAGE = 5000;

export class SealChecker {
  broken: BrokenLink | undefined;
  checked = 0;
  private last: Seal | null = null;
  private adopted: Seal | null = null;
  /** Seal #1 as read (checked when the events reach it): gaps at or below its position may be vouched for. */
  private first: Seal | null = null;
  private chain = CHAIN_START;
  /** Position of the last event folded. */
  private folded = 0;
  /** The first gap since the last good seal. */
  private gap: { readonly from: number; readonly to: number } | null = null;
  private pending: Seal[] = [];
  private loadedSeq = 0;

  /** Checks seals 1..`lastSeq` (later ones were made after the snapshot: the next run's). */
  constructor(
    private readonly source: ChainSource,
    private readonly key: SealKey,
    private readonly lastSeq: number,
  ) {}

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
        if (seal.seq === 1) this.first = seal;
        this.loadedSeq = seal.seq;
      }
    }
  }

  /** False once something does not hold. */
  event(position: number, hash: string): boolean {
    if (this.broken) return false;
    this.settleUpTo(this.folded);
    if (this.broken) return false;
    if (position > this.folded + 1) {
      const gap = { from: this.folded + 1, to: position - 1 };
      // At or below seal #1, the seal vouches for it when it holds (`settle`); no seal at all is
      // the finding `end` names. Anywhere else nothing can vouch for it.
      if (this.first && gap.to <= this.first.position) this.gap ??= gap;
      else if (this.lastSeq > 0) {
        const after = this.first ? ` (after seal #1 at ${this.first.position}, positions are never skipped)` : '';
        return this.fail(gap.from, `${this.gapLink(gap).reason}${after}`);
      }
    }
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
      return this.fail(
        Math.max(this.vouched(), head) + 1,
        `seal #${beyond.seq} covers up to position ${beyond.position} but the store ends at ${head}: events at the end removed`,
        beyond.seq,
      );
    if (!this.last)
      return this.fail(
        1,
        'the store holds events but no seal: a store from before seals stays unsealed until an operator adopts it (lienthong seal --adopt, docs/operations.md); a sealed store whose seals were removed reads the same',
      );
    if (head - this.last.position >= this.last.every)
      return this.fail(
        this.last.position + 1,
        `positions ${this.last.position + 1}..${head} are past the last seal #${this.last.seq}, more than its rule leaves unsealed (fewer than ${this.last.every}): a later seal removed, or a process without the hub key appended`,
        this.last.seq,
      );
    return true;
  }

  report(): SealReport {
    return {
      checked: this.checked,
      last: this.last ? { ...this.last, short: shortSeal(this.last) } : null,
      adopted: this.adopted ? { ...this.adopted, short: shortSeal(this.adopted) } : null,
    };
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
      this.fail(
        this.vouched() + 1,
        `seal #${expectedSeq} is missing (seal #${seal.seq} follows #${expectedSeq - 1}): a seal removed`,
        expectedSeq,
      );
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
    if (seal.kind === 'adopt' && seal.seq !== 1) {
      this.fail(seal.position, `seal #${seal.seq} is an adoption seal, which only a store's first seal can be`, seal.seq);
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
    if (seal.seq === 1 && seal.position > 0) this.adopted = seal;
    this.gap = null;
    this.checked++;
  }

  private gapLink(gap: { from: number; to: number }): BrokenLink {
    return {
      stream: '',
      revision: -1,
      position: gap.from,
      eventId: null,
      reason: `positions ${gap.from}..${gap.to} are missing: events removed`,
    };
  }

  private fail(position: number, reason: string, seal?: number): false {
    this.broken ??= { stream: '', revision: -1, position, eventId: null, reason, ...(seal !== undefined ? { seal } : {}) };
    return false;
  }
}
