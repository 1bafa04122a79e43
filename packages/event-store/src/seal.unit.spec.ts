import { createHash, generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import {
  CHAIN_START,
  foldChain,
  keyIdOf,
  parseSeal,
  rawPublicKey,
  sealDifferences,
  sealPayload,
  sealSignatureHolds,
  shortSeal,
  signSeal,
} from './seal.js';

const hashes = ['a', 'b', 'c'].map((s) => createHash('sha256').update(s).digest('hex'));
const fold = (entries: Array<[number, string]>): string => entries.reduce((chain, [p, h]) => foldChain(chain, p, h), CHAIN_START);

t.test('the running hash is sha256 of "<chain>\\n<position>\\n<hash>", folded in position order', async (t) => {
  const one = foldChain(CHAIN_START, 1, hashes[0]!);
  t.equal(
    one,
    createHash('sha256')
      .update(`${'0'.repeat(64)}\n1\n${hashes[0]}`)
      .digest('hex'),
  );
  const straight = fold([
    [1, hashes[0]!],
    [2, hashes[1]!],
    [3, hashes[2]!],
  ]);
  t.not(
    fold([
      [1, hashes[1]!],
      [2, hashes[0]!],
      [3, hashes[2]!],
    ]),
    straight,
    'two events swapped',
  );
  t.not(
    fold([
      [1, hashes[0]!],
      [3, hashes[2]!],
    ]),
    straight,
    'one left out',
  );
  t.not(
    fold([
      [1, hashes[0]!],
      [2, hashes[1]!],
      [4, hashes[2]!],
    ]),
    straight,
    'the same events at other positions',
  );
  t.not(
    fold([
      [1, hashes[0]!],
      [2, hashes[1]!],
    ]),
    straight,
    'the tail cut',
  );
  t.equal(
    fold([
      [1, hashes[0]!],
      [2, hashes[1]!],
      [3, hashes[2]!],
    ]),
    straight,
    'deterministic',
  );
});

t.test('seals are signed over every field; any change, or another key, breaks the signature', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(privateKey);
  t.equal(keyId, keyIdOf(publicKey), 'the same id from either half');
  t.match(keyId, /^[0-9a-f]{16}$/);
  t.not(keyIdOf(other.publicKey), keyId);
  t.equal(Buffer.from(rawPublicKey(privateKey), 'base64url').length, 32);
  const seal = signSeal({ seq: 3, position: 2000, chain: hashes[0]!, at: '2026-12-01T00:00:00.000Z', every: 1000, keyId }, privateKey);
  t.equal(sealPayload(seal), `lienthong-seal/1\n${keyId}\n3\n2000\n${hashes[0]}\n2026-12-01T00:00:00.000Z\n1000`);
  t.ok(sealSignatureHolds(seal, publicKey));
  t.notOk(sealSignatureHolds(seal, other.publicKey), 'another key');
  for (const change of [
    { seq: 4 },
    { position: 1999 },
    { chain: hashes[1]! },
    { at: '2026-12-01T00:00:01.000Z' },
    { every: 1 },
    { keyId: 'ffffffffffffffff' },
  ])
    t.notOk(sealSignatureHolds({ ...seal, ...change }, publicKey), `changed ${Object.keys(change)[0]}`);
  t.notOk(
    sealSignatureHolds({ ...seal, signature: 'not base64 at all!' }, publicKey),
    'a malformed signature does not hold (and does not throw)',
  );
  t.equal(shortSeal(seal), `#3 @2000 ${hashes[0]!.slice(0, 16)}`);
  t.same(sealDifferences(seal, seal), []);
  t.same(sealDifferences(seal, { ...seal, chain: hashes[1]!, at: 'x' }), ['chain', 'at']);
});

t.test('parseSeal takes a seal from untrusted JSON or says what is wrong', async (t) => {
  const good = { seq: 1, position: 0, chain: CHAIN_START, at: '2026-12-01T00:00:00.000Z', every: 1000, keyId: 'k', signature: 's' };
  t.same(parseSeal({ ...good, extra: 1 }), good);
  t.equal(parseSeal(null), 'not an object');
  t.match(parseSeal({ ...good, seq: 0 }), /seq/);
  t.match(parseSeal({ ...good, position: -1 }), /position/);
  t.match(parseSeal({ ...good, position: '5' }), /position/);
  t.match(parseSeal({ ...good, chain: 'abc' }), /chain/);
  t.match(parseSeal({ ...good, signature: '' }), /signature/);
});
