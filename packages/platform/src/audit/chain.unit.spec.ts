import t from 'tap';
import { GENESIS_HASH, hashEvent } from '@lienthong/event-store';
import { ChainChecker, hashStoredText, type ParsedEvent } from './chain.js';

/** Sorted keys, JSON.stringify scalars: RFC 8785 for the plain values used here. */
const canonicalize = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonicalize).join(',')}]`
    : v !== null && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonicalize((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);
const metadata = { correlationId: 'c-1', causationId: null, actor: 'staff:1', at: '2026-01-02T03:04:05.000Z' };

function chain(stream: string, datas: unknown[], start = 0, prev = GENESIS_HASH, firstPosition = 1): ParsedEvent[] {
  return datas.map((data, i) => {
    const e = { id: `${stream}-${start + i}`, stream, revision: start + i, type: 'Changed', data, metadata, position: firstPosition + i };
    const hash = hashEvent(e, prev);
    const out = { ...e, prevHash: prev, hash };
    prev = hash;
    return out;
  });
}

t.test('hashStoredText equals hashEvent over the canonical text', async (t) => {
  for (const data of [null, { b: 'Nguyễn "Văn" A\n', a: [1, 2.5, { z: true }] }, 'x', [], { '10': 1, '9': 2, é: 3 }]) {
    const e = { id: 'id-"1"', stream: 'dossier-000.00.12.H40-261122-0001', revision: 3, type: 'DossierAccepted', data, metadata };
    t.equal(hashStoredText({ ...e, dataJson: canonicalize(data), metadataJson: canonicalize(metadata) }, 'p'), hashEvent(e, 'p'));
  }
});

t.test('the checker follows chains across interleaved streams and names the first broken event', async (t) => {
  const a = chain('a-1', [{ n: 1 }, { n: 2 }, { n: 3 }]);
  const b = chain('b-1', [{ n: 1 }, { n: 2 }]);
  const interleaved = [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!].map((e, i) => ({ ...e, position: i + 1 }));
  const ok = new ChainChecker();
  for (const e of interleaved) ok.check(e);
  t.equal(ok.broken, undefined);
  t.equal(ok.checked, 5);
  t.same(ok.heads.get('a-1'), { revision: 2, hash: a[2]!.hash });

  const altered = interleaved.map((e) => (e.position === 3 ? { ...e, data: { n: 20 } } : e));
  const c1 = new ChainChecker();
  for (const e of altered) c1.check(e);
  t.match(c1.broken, { stream: 'a-1', revision: 1, position: 3, reason: /hash mismatch/ });
  t.equal(c1.checked, 2);

  const gap = interleaved.filter((e) => e.position !== 3);
  const c2 = new ChainChecker();
  for (const e of gap) c2.check(e);
  t.match(c2.broken, { stream: 'a-1', revision: 2, reason: /follows revision 0/ });

  const relinked = interleaved.map((e) => (e.position === 5 ? { ...e, prevHash: GENESIS_HASH } : e));
  const c3 = new ChainChecker();
  for (const e of relinked) c3.check(e);
  t.match(c3.broken, { revision: 2, reason: /prevHash/ });

  const c4 = new ChainChecker();
  c4.check({ ...a[0]!, hash: 'not-hex' });
  t.match(c4.broken, { reason: /SHA-256/ });
});

t.test('anchors: a chain that starts mid-stream', async (t) => {
  const full = chain('s', [1, 2, 3, 4]);
  const tail = full.slice(2);
  const strict = new ChainChecker();
  strict.check(tail[0]!);
  t.match(strict.broken, { reason: /revisions 0..1 are missing/ });
  const anchored = new ChainChecker({ anchors: new Map([['s', { revision: 1, hash: full[1]!.hash }]]) });
  for (const e of tail) anchored.check(e);
  t.equal(anchored.broken, undefined);
  const wrongAnchor = new ChainChecker({ anchors: new Map([['s', { revision: 1, hash: full[0]!.hash }]]) });
  wrongAnchor.check(tail[0]!);
  t.match(wrongAnchor.broken, { reason: /prevHash/ });
  const loose = new ChainChecker({ anchorUnknownStreams: true });
  for (const e of tail) loose.check(e);
  t.equal(loose.broken, undefined);
  loose.check({ ...full[3]!, revision: 4, id: 'x' });
  t.ok(loose.broken, 'still checks what follows');
});
