import { isDomainError } from '@lienthong/decider';
import { ExpectedRevision, isWrongExpectedRevision, type EventStore, type RecordedEvent } from '@lienthong/event-store';
import { ENGINE_LEASE_STREAM, heldAt, leaseDecider, type LeaseCommand, type LeaseEvent, type LeaseState } from '../domain/lease-decider.js';

export interface LeaseOptions {
  readonly store: EventStore;
  /** How long a take or renewal holds (`LT_CONNECTORS_LEASE_MS`); the holder renews every third of it. */
  readonly leaseMs: number;
  /** This engine's name in `LeaseTaken` (unique per engine: host, pid, a random part). */
  readonly holder: string;
  readonly log: { warn(object: object, message: string): void; info(object: object, message: string): void };
  /** The engine has something to deliver (a connector registered, not paused, not deleted): only then is the lease taken. */
  wanted(): boolean;
  /** This engine starts (true) or stops (false) holding the lease. */
  onChange(holding: boolean): void;
}

/** Who holds the delivery lease, as `GET /v1/admin/connectors/:id` shows it. */
export interface LeaseView {
  readonly holder: string | null;
  readonly until: string | null;
  /** This process holds it (its outbox delivers). */
  readonly heldHere: boolean;
}

const context = { correlationId: 'connectors-lease', actor: 'system:connectors' };

/**
 * The delivery lease of one engine: taken when free or run out, renewed every third of the lease
 * while held, given back on a clean stop. The holder stops delivering when it loses a race for it,
 * and when it has not renewed by three quarters of its time (the store is slow or away): another
 * engine may take it at `until`, and by then this one has stopped. Waiting engines look again at
 * `until` (or every third of the lease), so a dead holder is replaced within about the lease time.
 */
export class DeliveryLease {
  private holding = false;
  private state: LeaseState = leaseDecider.initialState();
  private tickTimer: NodeJS.Timeout | null = null;
  private guardTimer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: LeaseOptions) {}

  get held(): boolean {
    return this.holding;
  }

  /** First look (and take, when free) before it resolves; then on its own timer. */
  async start(): Promise<void> {
    await this.poke();
  }

  /** Looks at the lease now (a connector became deliverable, or the timer ran). */
  poke(): Promise<void> {
    if (this.stopped) return this.ticking;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.ticking = this.ticking.then(() => this.tick()).then(() => this.plan());
    return this.ticking;
  }

  /**
   * Looks now only when the lease was free or run out at the last look: a waiting engine sees the
   * holder's checkpoints every second, and has no reason to read the lease for each.
   */
  pokeIfFree(): void {
    if (!this.holding && !heldAt(this.state, new Date().toISOString())) void this.poke();
  }

  /** The lease as the store says now (one read of its last event). */
  async view(): Promise<LeaseView> {
    const state = await this.read().then(
      (r) => r.state,
      () => this.state,
    );
    const live = heldAt(state, new Date().toISOString());
    return { holder: live ? state.holder : null, until: live ? state.until : null, heldHere: this.holding };
  }

  /** No more renewals; delivery has stopped (the engine's workers): give the lease back when held. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    await this.ticking;
    this.clearGuard();
    if (!this.holding) return;
    this.holding = false;
    await this.run({ type: 'ReleaseLease', data: { holder: this.options.holder } }).catch((error: unknown) =>
      this.options.log.warn({ err: error }, 'connectors: the delivery lease was not released (it runs out)'),
    );
  }

  /** Forgets holding it without telling the store (a crash, in tests): the lease runs out. */
  abandon(): void {
    this.stopped = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.clearGuard();
    this.holding = false;
  }

  private plan(): void {
    if (this.stopped) return;
    const third = Math.max(1, Math.floor(this.options.leaseMs / 3));
    let delay = third;
    // waiting for another's lease: look again when it runs out, not a third later
    if (!this.holding && this.state.holder !== null) delay = Math.min(third, Math.max(5, Date.parse(this.state.until) - Date.now() + 5));
    this.tickTimer = setTimeout(() => void this.poke(), delay);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.options.wanted()) {
        if (this.holding) {
          this.lose();
          await this.run({ type: 'ReleaseLease', data: { holder: this.options.holder } });
        }
        return;
      }
      const now = new Date().toISOString();
      await this.run({ type: 'TakeLease', data: { holder: this.options.holder, now, leaseMs: this.options.leaseMs } });
      if (this.stopped) return;
      const until = this.state.holder === this.options.holder ? Date.parse(this.state.until) : 0;
      this.clearGuard();
      // not renewed by three quarters of its time: stop before another may take it
      this.guardTimer = setTimeout(
        () => {
          this.options.log.warn({ holder: this.options.holder }, 'connectors: the delivery lease was not renewed in time; delivery stops');
          this.lose();
        },
        Math.max(0, until - Date.now() - Math.floor(this.options.leaseMs / 4)),
      );
      if (!this.holding) {
        this.holding = true;
        this.options.log.info({ holder: this.options.holder, until: new Date(until).toISOString() }, 'connectors: delivery lease taken');
        this.options.onChange(true);
      }
    } catch (error) {
      // another holds it, or won the race: this engine does not deliver
      if (isDomainError(error, 'conflict') || isWrongExpectedRevision(error)) this.lose();
      // the store is away: keep delivering until the guard says the time is short
      else this.options.log.warn({ err: error }, 'connectors: the delivery lease could not be read or renewed');
    }
  }

  private lose(): void {
    this.clearGuard();
    if (!this.holding) return;
    this.holding = false;
    this.options.log.info({ holder: this.options.holder }, 'connectors: delivery lease lost');
    this.options.onChange(false);
  }

  private clearGuard(): void {
    if (this.guardTimer) clearTimeout(this.guardTimer);
    this.guardTimer = null;
  }

  private async read(): Promise<{ state: LeaseState; last: RecordedEvent | undefined }> {
    const [last] = await this.options.store.readStream(ENGINE_LEASE_STREAM, { direction: 'backward', maxCount: 1 });
    // the last event is the whole state (evolve keeps nothing of what came before)
    const state = last ? leaseDecider.evolve(leaseDecider.initialState(), last as unknown as LeaseEvent) : leaseDecider.initialState();
    return { state, last };
  }

  /** Decides on the last event and appends expecting its revision: a race has one winner. */
  private async run(command: LeaseCommand): Promise<void> {
    const { state, last } = await this.read();
    this.state = state;
    const events = leaseDecider.decide(command, state);
    if (events.length === 0) return;
    const at = new Date().toISOString();
    await this.options.store.append(
      ENGINE_LEASE_STREAM,
      events.map((e) => ({ type: e.type, data: e.data, metadata: { ...context, at } })),
      { expectedRevision: last ? last.revision : ExpectedRevision.noStream },
    );
    this.state = events.reduce((s, e) => leaseDecider.evolve(s, e), state);
  }
}
