import t from 'tap';
import { canonicalJson, derivedId, idempotencyKey, isReplay, requestHash } from './idempotency.js';

t.test('a request hashes the same whatever its key order, and differently when a value differs', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [{ d: 2, c: null }], u: undefined }), '{"a":[{"c":null,"d":2}],"b":1}');
  t.equal(requestHash({ a: 1, b: 'x' }), requestHash({ b: 'x', a: 1 }));
  t.not(requestHash({ a: 1 }), requestHash({ a: 2 }));
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
    t.throws(() => idempotencyKey({ headers: { 'idempotency-key': bad } }), { code: 'LT_VALIDATION', errors: [{ path: 'headers/idempotency-key' }] }, JSON.stringify(bad));
});

t.test('the retry check', async (t) => {
  const first = { key: 'k', bodySha256: 'aa' };
  t.equal(isReplay(null, first, 'x'), false, 'first use');
  t.equal(isReplay(first, { key: 'k', bodySha256: 'aa' }, 'x'), true, 'same request: replay');
  t.throws(() => isReplay(first, { key: 'k', bodySha256: 'bb' }, 'used for another', { dossierCode: 'C' }), { code: 'LT_IDEMPOTENCY_MISMATCH', status: 409, message: 'used for another', extensions: { dossierCode: 'C' } });
});
