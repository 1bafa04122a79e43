/**
 * When the SQLite store seals (what a seal is and how it is made: `sqlite-seals.ts`): in the
 * append transaction once `every` positions are unsealed, on open, on a timer and on close. Seal
 * outcomes that need an operator stop sealing and say so once, as an error.
 */
import type Database from 'better-sqlite3';
import { SqliteSealer, type SealOutcome, type SealWhen, type SealingOptions } from './sqlite-seals.js';
import { toStoreError } from './sqlite-schema.js';
import type { EventStoreLogger } from './sqlite-event-store.js';
import type { WalSync } from './sqlite-wal-sync.js';

/** The transaction statements of the store's connection. */
interface Transactions {
  readonly begin: Database.Statement;
  readonly commit: Database.Statement;
  readonly rollback: Database.Statement;
}

export class SealSchedule {
  /** null once sealing stopped (a store to adopt, a gap after the last seal). */
  private sealer: SqliteSealer | null;
  private timer: NodeJS.Timeout | undefined;
  /** Said once: a store that ends before its last seal would otherwise warn on every commit. */
  private warnedBehind = false;

  /**
   * Seals at once (an empty store at 0, a crash's unsealed tail now; a store with events and no
   * seal is not sealed at all until an operator adopts it), then every `intervalMs`. Throws when
   * that first seal fails.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly tx: Transactions,
    options: SealingOptions,
    private readonly wal: WalSync | null,
    private readonly logger: EventStoreLogger | undefined,
  ) {
    this.sealer = new SqliteSealer(db, options);
    this.sealNow('any');
    if (this.sealer) this.timer = setInterval(() => this.onTimer(), this.sealer.intervalMs).unref();
  }

  /** Call inside the append transaction: seals when `every` positions are unsealed. */
  inTransaction(): void {
    if (this.sealer) this.note(this.sealer.sealInTransaction('due'));
  }

  /** A clean stop leaves nothing unsealed. */
  close(): void {
    clearInterval(this.timer);
    if (!this.sealer) return;
    try {
      this.sealNow('any');
      this.wal?.syncNow();
    } catch (error) {
      this.logger?.warn({ err: error }, 'event store: sealing on close failed');
    }
  }

  /** Seals in a transaction of its own (open, timer, close). */
  private sealNow(when: SealWhen): void {
    if (!this.sealer || !this.db.open) return;
    let outcome: SealOutcome;
    this.tx.begin.run();
    try {
      outcome = this.sealer.sealInTransaction(when);
      this.tx.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.tx.rollback.run();
      throw error;
    }
    this.note(outcome);
  }

  private onTimer(): void {
    try {
      this.sealNow('any');
      this.wal?.sync().catch((error: unknown) => this.logger?.warn({ err: error }, 'event store: fsync after sealing failed'));
    } catch (error) {
      this.logger?.warn({ err: toStoreError(error, 'seal') }, 'event store: sealing failed; the next attempt is in one interval');
    }
  }

  private note(outcome: SealOutcome): void {
    if (outcome.kind === 'sealed') this.logger?.debug?.({ seq: outcome.seal.seq, position: outcome.seal.position }, 'event store: sealed');
    else if (outcome.kind === 'unadopted') {
      this.stop(
        { head: outcome.head },
        'event store: the store holds events but no seal (older than seals, or its seals removed); it is NOT sealed until an operator adopts it: stop the hub, run `pnpm lienthong verify` (and `verify --seals <copy>` with a seals copy kept elsewhere, if there is one), then `pnpm lienthong seal --adopt` (docs/operations.md, "Stores from before seals")',
      );
    } else if (outcome.kind === 'gap') {
      this.stop(
        { from: outcome.from, to: outcome.to, sealedPosition: outcome.sealed.position, seal: outcome.sealed.seq },
        `event store: positions ${outcome.from}..${outcome.to} after the last seal are missing (events removed?); nothing after seal #${outcome.sealed.seq} is sealed: run lienthong verify`,
      );
    } else if (outcome.kind === 'behind' && !this.warnedBehind) {
      this.warnedBehind = true;
      this.logger?.warn(
        { head: outcome.head, sealedPosition: outcome.sealed.position, seal: outcome.sealed.seq },
        'event store: the store ends before its last seal (events removed?); run lienthong verify',
      );
    }
  }

  /** No seal in appends, on the timer or on close from now on: said once, as an error. */
  private stop(details: object, message: string): void {
    this.sealer = null;
    clearInterval(this.timer);
    if (this.logger?.error) this.logger.error(details, message);
    else this.logger?.warn(details, message);
  }
}
