import t from 'tap';
import { canonicalJson, hashCanonical, hashedText } from './canonical.js';
import { hashEvent } from './hash.js';

const samples: unknown[] = [
  null,
  true,
  0,
  -1.5,
  1e21,
  'chuỗi "có" dấu\n',
  '\ud800 lone surrogate',
  [],
  { b: 1, a: [3, { z: null, y: undefined, x: 'x' }], c: { d: {} } },
  { '10': 'ten', '9': 'nine', a: 1, '': 'empty' },
  { é: 1, e: 2, E: 3, '😀': 4, ﬀ: 5 },
  { date: new Date('2026-01-02T03:04:05.000Z'), nested: [undefined, () => 1, Symbol('s')] },
  JSON.parse('{"__proto__": {"x": 1}, "a": 2}'),
  [[1, [2, [3]]], { k: [{ b: 2, a: 1 }] }],
  { q: 'say "hi"\\ \u0001 \t \u2028 \u2029 😀 \udfff', '\u007f': -0, n: [1e-7, 123456789012345680000, 0.1] },
  Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7919) % 40}`, i])),
];

t.test('an event read back (JSON.parse of the stored text) verifies with hashEvent', async (t) => {
  for (const [i, data] of samples.entries()) {
    const metadata = { correlationId: 'c', actor: 'a', at: 'now' };
    const dataJson = canonicalJson(data);
    const fast = hashCanonical({ id: 'i', stream: 's', revision: 0, type: 'T', dataJson, metadataJson: canonicalJson(metadata) }, 'q');
    const readBack = { id: 'i', stream: 's', revision: 0, type: 'T', data: JSON.parse(dataJson) as unknown, metadata };
    t.equal(fast, hashEvent(readBack, 'q'), `read-back hash of sample ${i}`);
  }
});

t.test('canonicalJson matches the canonicalize package on JSON values', async (t) => {
  // (The package prints `undefined` for a function inside an array; that sample is left out.)
  for (const [i, data] of samples.entries()) {
    if (i === 11) continue;
    const fields = {
      id: 'id-1',
      stream: 'dossier-1',
      revision: 3,
      type: 'T',
      data,
      metadata: { correlationId: 'c', actor: 'a', at: 'now' },
    };
    const fast = hashCanonical({ ...fields, dataJson: canonicalJson(data), metadataJson: canonicalJson(fields.metadata) }, 'p'.repeat(64));
    t.equal(fast, hashEvent(fields, 'p'.repeat(64)), `same hash for sample ${i}`);
  }
});

t.test('canonicalJson sorts keys by code unit and round-trips', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: 1, c: 2 } }), '{"a":{"c":2,"d":1},"b":1}');
  t.equal(canonicalJson({ '10': 1, '9': 2 }), '{"10":1,"9":2}');
  const text = canonicalJson(samples[8]);
  t.equal(canonicalJson(JSON.parse(text)), text, 'idempotent after a parse');
});

t.test('canonicalJson refuses what JSON cannot carry', async (t) => {
  t.throws(() => canonicalJson({ a: Number.NaN }), TypeError);
  t.throws(() => canonicalJson([Infinity]), TypeError);
  t.throws(() => canonicalJson({ a: 1n }), TypeError);
});

t.test('canonicalJson through its reused buffer: growth, a failed call, a toJSON that serialises', async (t) => {
  const big = { z: 'ệ'.repeat(700_000), a: Array.from({ length: 3000 }, (_, i) => ({ i, s: `chuỗi ${i}` })) };
  const text = canonicalJson(big);
  t.equal(text, JSON.stringify({ a: big.a.map((x) => ({ i: x.i, s: x.s })), z: big.z }), 'a value larger than the buffer');
  t.throws(() => canonicalJson({ a: 'partly written', b: Number.NaN }), TypeError);
  t.equal(canonicalJson({ b: 'after', a: 'a failure' }), '{"a":"a failure","b":"after"}', 'a failed call leaves nothing behind');
  const inner = { toJSON: () => canonicalJson({ y: 1, x: 'ư' }) };
  t.equal(canonicalJson({ k: inner, j: [inner] }), '{"j":["{\\"x\\":\\"ư\\",\\"y\\":1}"],"k":"{\\"x\\":\\"ư\\",\\"y\\":1}"}');
  t.equal(canonicalJson(['😀', '\ud83d', 'a\u0000']), '["😀","\\ud83d","a\\u0000"]', 'pairs kept, lone surrogates escaped');
});

t.test('hashCanonical hashes the bytes of the one-string text, also past the buffer', async (t) => {
  const { hash } = await import('node:crypto');
  for (const data of [{ v: 'Nội dung 😀' }, { big: 'ữ'.repeat(500_000) }, [1, 'a\n"b"']]) {
    const parts = { id: 'id-ệ', stream: 'document-"x"', revision: 12, type: 'T', dataJson: canonicalJson(data), metadataJson: '{"a":1}' };
    t.equal(hashCanonical(parts, 'p'.repeat(64)), hash('sha256', hashedText(parts, 'p'.repeat(64)), 'hex'));
  }
});
