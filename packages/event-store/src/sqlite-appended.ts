/**
 * The rows this store instance just committed, kept for the shared tail of live subscriptions so
 * it does not read them back from SQLite (a row object and a copy of every text column per event,
 * on the hub's hottest path). Only a run of consecutive positions starting right after the
 * tail's end is served from here; anything else (a gap left by an undone append, another process
 * appending to the same file, rows dropped because nobody read them) is read from the file as
 * before, so no position is ever skipped. The JSON is still parsed per read, as read back.
 */
import type { Outcome } from './group-commit.js';
import type { PendingAppend } from './sqlite-append.js';
import type { EventRow } from './sqlite-schema.js';
import type { AppendResult } from './types.js';

/** Rows kept for a tail that does not come for them (no live subscription at the end). */
const MAX_KEPT = 512;

export class AppendedRows {
  private rows: EventRow[] = [];

  /** The rows of a committed batch (its successful appends), in position order. */
  add(batch: readonly PendingAppend[], outcomes: ReadonlyArray<Outcome<AppendResult>>): void {
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]!;
      if (!outcome.ok) continue;
      const prepared = batch[i]!.events;
      const recorded = outcome.result.events;
      for (let j = 0; j < recorded.length; j++) {
        const r = recorded[j]!;
        const p = prepared[j]!;
        this.rows.push([r.position, r.id, r.stream, r.revision, r.type, p.dataJson, p.metadataJson, r.prevHash, r.hash]);
      }
    }
    if (this.rows.length > MAX_KEPT) this.rows = this.rows.slice(this.rows.length - MAX_KEPT / 2);
  }

  /**
   * Up to `limit` rows with positions `after + 1, after + 2, …` (consecutive, none above `head`);
   * empty when the next position is not here. Rows at or before `after` are dropped.
   */
  take(after: number, head: number, limit: number): EventRow[] {
    let first = 0;
    while (first < this.rows.length && this.rows[first]![0] <= after) first++;
    if (first > 0) this.rows = first === this.rows.length ? [] : this.rows.slice(first);
    const out: EventRow[] = [];
    let expected = after + 1;
    for (const row of this.rows) {
      if (row[0] !== expected || row[0] > head || out.length >= limit) break;
      out.push(row);
      expected += 1;
    }
    return out;
  }

  clear(): void {
    this.rows = [];
  }
}
