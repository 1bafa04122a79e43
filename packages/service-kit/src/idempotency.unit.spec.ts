import t from 'tap';
import { createHash } from 'node:crypto';
import { canonicalJson, derivedId, isReplay } from '@lienthong/decider';
import { idempotencyKey, keyedRequestHash, requestHash } from './idempotency.js';
import { toAppError } from './problem.js';

t.test('a request hashes the same whatever its key order, and differently when a value differs', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [{ d: 2, c: null }], u: undefined }), '{"a":[{"c":null,"d":2}],"b":1}');
  t.equal(requestHash({ a: 1, b: 'x' }), requestHash({ b: 'x', a: 1 }));
  t.not(requestHash({ a: 1 }), requestHash({ a: 2 }));
});

t.test('a keyed request hash: the secret is needed to recompute it', async (t) => {
  const secret = Buffer.alloc(32, 7);
  const body = { applicant: { name: 'Nguyễn Văn An', idNumber: '001203004005' } };
  const hash = keyedRequestHash(secret, body);
  t.match(hash, /^[0-9a-f]{64}$/);
  t.equal(keyedRequestHash(secret, { applicant: { idNumber: '001203004005', name: 'Nguyễn Văn An' } }), hash, 'key order does not matter');
  t.not(hash, requestHash(body), 'not the plain SHA-256 of the body');
  t.not(hash, createHash('sha256').update(canonicalJson(body)).digest('hex'));
  t.not(keyedRequestHash(Buffer.alloc(32, 8), body), hash, 'another secret, another hash');
  t.not(keyedRequestHash(secret, { ...body, channel: 'postal' }), hash);
});

t.test('derived ids: the same parts the same id; the caller is part of it', async (t) => {
  t.equal(derivedId('dossier-request', 'staff:1', 'k'), derivedId('dossier-request', 'staff:1', 'k'));
  t.not(derivedId('dossier-request', 'staff:1', 'k'), derivedId('dossier-request', 'staff:2', 'k'));
  t.not(derivedId('a', 'bc'), derivedId('ab', 'c'), 'parts are separated');
  t.match(derivedId('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

t.test('the Idempotency-Key header', async (t) => {
  t.equal(idempotencyKey({ headers: {} }), undefined);
  t.equal(idempotencyKey({ headers: { 'idempotency-key': 'retry-42' } }), 'retry-42');
  for (const bad of ['', 'has space', 'x'.repeat(201), 'khóa'])
    t.throws(
      () => idempotencyKey({ headers: { 'idempotency-key': bad } }),
      { code: 'LT_VALIDATION', errors: [{ path: 'headers/idempotency-key' }] },
      JSON.stringify(bad),
    );
});

t.test('the retry check', async (t) => {
  const first = { key: 'k', bodySha256: 'aa' };
  t.equal(isReplay(null, first, 'x'), false, 'first use');
  t.equal(isReplay(first, { key: 'k', bodySha256: 'aa' }, 'x'), true, 'same request: replay');
  const refusal = (() => {
    try {
      return isReplay(first, { key: 'k', bodySha256: 'bb' }, 'used for another', { dossierCode: 'C' });
    } catch (error) {
      return error;
    }
  })();
  t.match(refusal, { kind: 'idempotency-mismatch', facts: { dossierCode: 'C' } }, 'another request: refused');
  t.match(
    toAppError(refusal),
    { code: 'LT_IDEMPOTENCY_MISMATCH', status: 409, message: 'used for another', extensions: { dossierCode: 'C' } },
    'another request: 409',
  );
});
