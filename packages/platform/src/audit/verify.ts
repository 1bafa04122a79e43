/**
 * Verifies every hash chain of a store (or one stream), page by page: memory holds one page and
 * one head per stream, whatever the number of events. Then checks that each stream's recorded
 * head matches the last event of its chain (events cut off at the end show there). Over the whole
 * store, the seals too (`seals.ts`): gap-free positions and every seal's running hash and
 * signature. A store that cannot be read is a finding, not a crash.
 */
import { ChainChecker, type BrokenLink } from './chain.js';
import { SealChecker, type SealKey, type SealReport } from './seals.js';
import type { ChainSource, RecordedHead } from './sources.js';

export interface VerifyOptions {
  /** Only this stream (default: every stream). */
  readonly stream?: string;
  /** Events per read (default 5,000). */
  readonly pageSize?: number;
  /** Called after each page with the events checked and the total to check. */
  readonly onProgress?: (checked: number, total: number) => void;
  /** The hub's public key: the whole-store check then checks the seals of a source that keeps them. */
  readonly sealKey?: SealKey;
}

/** Answer of `POST /v1/admin/audit/verify` and `lienthong verify`. */
export interface VerifyReport {
  readonly ok: boolean;
  /** Events whose link and hash were checked and hold. */
  readonly checked: number;
  /** Streams seen. */
  readonly streams: number;
  /** The check covered events up to this global position (appends after it start wait for the next run). */
  readonly upToPosition: number;
  readonly ms: number;
  /** null when seals were not checked: one stream, no key given, or a store that keeps none (EventStoreDB). */
  readonly seals: SealReport | null;
  readonly brokenAt?: BrokenLink;
}

/** The stream does not exist (per-stream verification). */
export class UnknownStreamError extends Error {
  constructor(readonly stream: string) {
    super(`no stream ${stream}`);
    this.name = 'UnknownStreamError';
  }
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function verifyChains(source: ChainSource, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const pageSize = options.pageSize ?? 5000;
  const checker = new ChainChecker();
  let seals: SealChecker | null = null;
  let upTo = 0;
  const report = (): VerifyReport => ({
    ok: checker.broken === undefined,
    checked: checker.checked,
    streams: checker.heads.size + (checker.broken?.stream && !checker.heads.has(checker.broken.stream) ? 1 : 0),
    upToPosition: upTo,
    ms: Math.round(performance.now() - started),
    seals: seals?.report() ?? null,
    ...(checker.broken ? { brokenAt: checker.broken } : {}),
  });

  if (options.stream !== undefined) {
    const head = await source.head(options.stream);
    if (!head) throw new UnknownStreamError(options.stream);
    upTo = head.position;
    await readGuarded(checker, { stream: options.stream, revision: 0, position: 0 }, async () => {
      for (let from = 0; ;) {
        const events = await source.streamPage(options.stream!, from, pageSize);
        for (const e of events) if (!checker.check(e)) return;
        options.onProgress?.(checker.checked, head.revision + 1);
        if (events.length < pageSize) return;
        from = events[events.length - 1]!.revision + 1;
        await nextTick();
      }
    });
    if (!checker.broken) compareHead(checker, head);
    return report();
  }

  const bounds = await source.bounds();
  upTo = bounds.head;
  if (options.sealKey && bounds.lastSeal !== null) seals = new SealChecker(source, options.sealKey, bounds.lastSeal);
  let after = 0;
  await readGuarded(
    checker,
    { stream: '', revision: -1, position: 0 },
    async () => {
      while (after < upTo) {
        const events = await source.page(after, upTo, pageSize);
        if (events.length === 0) return;
        await seals?.load(events[events.length - 1]!.position);
        for (const e of events) {
          // A gap or a seal that does not hold comes before this event's own check.
          if (seals && !seals.event(e.position, e.hash)) return checker.fail(seals.broken!);
          if (!checker.check(e)) {
            const gap = seals?.gapFinding();
            if (gap) checker.broken = gap;
            return;
          }
          after = e.position;
        }
        options.onProgress?.(checker.checked, upTo);
        await nextTick();
      }
    },
    () => after,
  );
  if (!checker.broken) await compareHeads(checker, source, upTo, pageSize);
  if (!checker.broken && seals) {
    // Seals past the last page read, and those of a store without events (its seal at 0).
    await seals.load(upTo);
    if (!seals.end(upTo)) checker.fail(seals.broken!);
  }
  return report();
}

/** A read that throws (damaged file, unparsable event) marks the chain broken where reading stopped. */
async function readGuarded(
  checker: ChainChecker,
  where: { stream: string; revision: number; position: number },
  read: () => Promise<void>,
  lastGood: () => number = () => where.position,
): Promise<void> {
  try {
    await read();
  } catch (error) {
    checker.fail({
      ...where,
      position: lastGood() + 1,
      eventId: null,
      reason: `unreadable after position ${lastGood()}: ${(error as Error).message}`,
    });
  }
}

function compareHead(checker: ChainChecker, head: RecordedHead): void {
  const chain = checker.heads.get(head.stream);
  if (!chain) {
    checker.fail({
      stream: head.stream,
      revision: head.revision,
      position: head.position,
      eventId: null,
      reason: `head records revision ${head.revision} but the stream has no events`,
    });
  } else if (chain.revision !== head.revision || chain.hash !== head.lastHash) {
    checker.fail({
      stream: head.stream,
      revision: chain.revision,
      position: head.position,
      eventId: null,
      reason: `head records revision ${head.revision} (hash ${head.lastHash.slice(0, 12)}…) but the chain ends at revision ${chain.revision} (hash ${chain.hash.slice(0, 12)}…): events missing at the end, or the head altered`,
    });
  }
}

/** Every recorded head at or below `upTo` must match its chain; every chain must have a head. */
async function compareHeads(checker: ChainChecker, source: ChainSource, upTo: number, pageSize: number): Promise<void> {
  const seen = new Set<string>();
  try {
    for (let after = ''; ;) {
      const heads = await source.heads(after, pageSize);
      for (const head of heads) {
        seen.add(head.stream);
        if (head.position <= upTo) compareHead(checker, head);
        else {
          // A head past `upTo` moved during the check (its newer events are the next run's), or
          // points past events that are gone: the next revision must exist.
          const chain = checker.heads.get(head.stream);
          const next = await source.streamPage(head.stream, (chain?.revision ?? -1) + 1, 1);
          if (next.length === 0) compareHead(checker, head);
        }
        if (checker.broken) return;
      }
      if (heads.length < pageSize) break;
      after = heads[heads.length - 1]!.stream;
      await nextTick();
    }
  } catch (error) {
    checker.fail({
      stream: '',
      revision: -1,
      position: upTo,
      eventId: null,
      reason: `stream heads unreadable: ${(error as Error).message}`,
    });
    return;
  }
  for (const [stream, chain] of checker.heads) {
    if (!seen.has(stream)) {
      checker.fail({ stream, revision: chain.revision, position: 0, eventId: null, reason: 'the stream has events but no recorded head' });
      return;
    }
  }
}
