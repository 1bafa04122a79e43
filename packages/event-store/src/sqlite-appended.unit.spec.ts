import t from 'tap';
import type { Outcome } from './group-commit.js';
import type { PendingAppend } from './sqlite-append.js';
import { AppendedRows } from './sqlite-appended.js';
import type { AppendResult, RecordedEvent } from './types.js';

/** A committed append of events at `positions` (stream `s`). */
function committed(positions: number[]): { pending: PendingAppend; outcome: Outcome<AppendResult> } {
  const events = positions.map((position, i) => ({
    id: `id-${position}`,
    stream: 's',
    revision: i,
    position,
    type: 'T',
    data: { position },
    metadata: { correlationId: 'c', actor: 'a', at: 'now' },
    prevHash: 'p',
    hash: 'h',
  })) satisfies RecordedEvent[];
  return {
    pending: {
      stream: 's',
      expected: 'any',
      events: events.map((e) => ({
        id: e.id,
        type: 'T',
        data: e.data,
        metadata: { correlationId: 'c', actor: 'a', at: 'now' },
        dataJson: `{"position":${e.position}}`,
        metadataJson: '{}',
      })),
    },
    outcome: { ok: true, result: { nextRevision: events.length - 1, position: positions.at(-1) ?? 0, events } },
  };
}

function add(rows: AppendedRows, ...appends: Array<number[] | 'failed'>): void {
  const parts = appends.map((a) =>
    a === 'failed' ? { pending: committed([]).pending, outcome: { ok: false as const, error: new Error('undone') } } : committed(a),
  );
  rows.add(
    parts.map((p) => p.pending),
    parts.map((p) => p.outcome),
  );
}

const positions = (rows: ReturnType<AppendedRows['take']>) => rows.map((r) => r[0]);

t.test('serves consecutive positions right after the tail, within the head and the limit', async (t) => {
  const rows = new AppendedRows();
  add(rows, [1, 2], 'failed', [3]);
  t.same(positions(rows.take(0, 3, 10)), [1, 2, 3], 'a failed append in the batch adds nothing');
  t.same(rows.take(0, 3, 10)[1]?.slice(5, 7), ['{"position":2}', '{}'], 'the stored JSON text');
  t.same(positions(rows.take(0, 2, 10)), [1, 2], 'nothing above the visible head');
  t.same(positions(rows.take(0, 3, 2)), [1, 2], 'at most the limit');
  t.same(positions(rows.take(1, 3, 10)), [2, 3]);
  t.same(positions(rows.take(0, 3, 10)), [], 'positions already passed are dropped');
});

t.test('never across a gap: the run stops where a position is missing, or is empty', async (t) => {
  const rows = new AppendedRows();
  add(rows, [5, 6], [8, 9]);
  t.same(positions(rows.take(4, 9, 10)), [5, 6], 'stops before the missing 7');
  t.same(positions(rows.take(6, 9, 10)), [], 'the next position (7) is not here');
  t.same(positions(rows.take(7, 9, 10)), [8, 9], 'after it (read from the file), served again');
  t.same(positions(rows.take(2, 20, 10)), [], 'a tail further back than the rows');
});

t.test('rows nobody takes are bounded', async (t) => {
  const rows = new AppendedRows();
  for (let p = 1; p <= 2000; p++) add(rows, [p]);
  t.same(positions(rows.take(0, 2000, 10)), [], 'the oldest were dropped');
  const kept = positions(rows.take(1999, 2000, 10));
  t.same(kept, [2000]);
  rows.clear();
  t.same(positions(rows.take(1999, 2000, 10)), []);
});
