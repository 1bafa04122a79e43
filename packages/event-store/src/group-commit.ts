/**
 * Group commit: every item submitted while a commit is pending joins the next one, so one
 * transaction (and one fsync) serves many writers. The queue is flushed on the next turn of the
 * event loop; while `held()` (an fsync in flight that the next commit would need after it anyway),
 * items keep queueing and commit together once `release()` is called.
 */

/** What one item of a batch came to: each item is checked on its own inside the shared transaction. */
export type Outcome<R> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly error: unknown };

export interface GroupCommitOptions<T, R> {
  /**
   * Commits the batch in one transaction, pushing one outcome per item in order. Throws when the
   * transaction failed as a whole: items without a failed outcome of their own reject with that error.
   */
  commit(batch: readonly T[], outcomes: Outcome<R>[]): void;
  /** Makes a committed batch durable and visible: items settle once it returns or resolves; a throw or rejection rejects them all. */
  durable(size: number): void | Promise<void>;
  /** While true, a flush waits for `release()`. */
  held(): boolean;
  /** What items queued after `close()` reject with. */
  closedError(): unknown;
}

interface Queued<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<T, R> {
  private queue: Queued<T, R>[] = [];
  private scheduled = false;
  private heldBack = false;
  private closed = false;

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  submit(item: T): Promise<R> {
    if (this.closed) return Promise.reject(this.options.closedError());
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Items held back by `held()`: committed now, unless still held. */
  release(): void {
    if (!this.heldBack || this.options.held()) return;
    this.heldBack = false;
    this.flush();
  }

  /** Commits what is queued at once (held or not); later items reject with `closedError()`. */
  close(): void {
    this.flush(true);
    this.closed = true;
  }

  private flush(force = false): void {
    this.scheduled = false;
    if (!force && this.queue.length > 0 && this.options.held()) {
      this.heldBack = true;
      return;
    }
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const outcomes: Outcome<R>[] = [];
    try {
      this.options.commit(
        batch.map((q) => q.item),
        outcomes,
      );
    } catch (error) {
      batch.forEach((q, i) => {
        const outcome = outcomes[i];
        q.reject(outcome && !outcome.ok ? outcome.error : error);
      });
      return;
    }
    const settle = (): void =>
      batch.forEach((q, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) q.resolve(outcome.result);
        else q.reject(outcome?.error);
      });
    const rejectAll = (error: unknown): void => batch.forEach((q) => q.reject(error));
    let durable: void | Promise<void>;
    try {
      durable = this.options.durable(batch.length);
    } catch (error) {
      rejectAll(error);
      return;
    }
    // Durable before anyone hears of it.
    if (durable) durable.then(settle, rejectAll);
    else settle();
  }
}
