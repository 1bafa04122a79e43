/**
 * RFC 9421 and RFC 9530 test vectors (written from the RFC text), then lienthong's federation
 * profile: every refusal named.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import t from 'tap';
import { httpbis } from 'http-message-signatures';
import { checkContentDigest, contentDigest } from './content-digest.js';
import { SignatureError } from './errors.js';
import { createMemoryNonceStore } from './nonce-store.js';
import { signRequest, verifyRequest } from './signatures.js';

// RFC 9421 Appendix B.1.4, test-key-ed25519
const TEST_KEY = createPrivateKey(`-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----`);
const TEST_PUBLIC_KEY = createPublicKey(`-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----`);
// RFC 9421 Appendix B.2, the test request
const B2_REQUEST = {
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'content-length': '18',
  },
};
const B2_BODY = '{"hello": "world"}';
const B26_COMPONENTS = ['date', '@method', '@path', '@authority', 'content-type', 'content-length'];
const B26_INPUT =
  'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const B26_SIGNATURE = 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';

t.test('RFC 9421 B.2.6: signing with ed25519 gives the RFC signature', async (t) => {
  const signed = await httpbis.signMessage(
    {
      key: { id: 'test-key-ed25519', sign: (data: Buffer) => Promise.resolve(sign(null, data, TEST_KEY)) },
      name: 'sig-b26',
      fields: B26_COMPONENTS,
      params: ['created', 'keyid'],
      paramValues: { created: new Date(1618884473 * 1000) },
    },
    { ...B2_REQUEST, headers: { ...B2_REQUEST.headers } as Record<string, string> },
  );
  t.equal(signed.headers['Signature-Input'] ?? signed.headers['signature-input'], B26_INPUT);
  t.equal(signed.headers['Signature'] ?? signed.headers['signature'], B26_SIGNATURE);
});

t.test('RFC 9421 B.2.6: the RFC message verifies; altered, it does not', async (t) => {
  const request = { ...B2_REQUEST, headers: { ...B2_REQUEST.headers, 'signature-input': B26_INPUT, signature: B26_SIGNATURE } };
  const options = {
    keys: (id: string) => (id === 'test-key-ed25519' ? TEST_PUBLIC_KEY : undefined),
    components: B26_COMPONENTS,
    now: () => new Date(1618884473 * 1000 + 10_000),
  };
  const verified = await verifyRequest(request, options);
  t.equal(verified.keyId, 'test-key-ed25519');
  t.equal(verified.label, 'sig-b26');
  await t.rejects(verifyRequest({ ...request, method: 'PUT' }, options), { code: 'bad-signature' });
});

t.test('RFC 9530 §B / 9421 B.2: Content-Digest of {"hello": "world"}', (t) => {
  t.equal(contentDigest(B2_BODY), 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
  t.equal(contentDigest(B2_BODY, 'sha-512'), B2_REQUEST.headers['content-digest']);
  t.equal(checkContentDigest(B2_REQUEST.headers['content-digest'], B2_BODY), undefined);
  t.equal(checkContentDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', B2_BODY), undefined);
  t.equal(checkContentDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', '{"hello": "World"}'), 'mismatch');
  t.equal(checkContentDigest(undefined, B2_BODY), 'missing');
  t.equal(checkContentDigest('sha-256=not-bytes(', B2_BODY), 'malformed');
  t.equal(checkContentDigest('md5=:AAAA:', B2_BODY), 'unsupported-algorithm');
  t.end();
});

t.test('federation profile: signs @method, @target-uri, content-digest with created, keyid, alg, nonce', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const now = new Date('2026-12-06T10:00:00Z');
  const body = '<edXML/>';
  const url = 'http://127.0.0.1:9999/v1/federation/documents';
  const sign = (options: { created?: Date; nonce?: string } = {}) =>
    signRequest(
      { method: 'POST', url, body, headers: { 'Content-Type': 'application/xml' } },
      { keyId: 'hub-a', privateKey },
      { created: now, ...options },
    );
  const headers = await sign({ nonce: 'n-1' });
  t.match(
    headers['signature-input'],
    /^sig=\("@method" "@target-uri" "content-digest"\);created=\d+;keyid="hub-a";alg="ed25519";nonce="n-1"$/,
  );
  const nonces = createMemoryNonceStore(() => now.getTime());
  const options = { keys: (id: string) => (id === 'hub-a' ? publicKey : undefined), nonces, now: () => now };
  const ok = await verifyRequest({ method: 'POST', url, headers }, options);
  t.same({ keyId: ok.keyId, nonce: ok.nonce, created: ok.created.getTime() }, { keyId: 'hub-a', nonce: 'n-1', created: now.getTime() });

  const refusal = async (request: Parameters<typeof verifyRequest>[0], o = options) => {
    try {
      await verifyRequest(request, o);
      return 'accepted';
    } catch (error) {
      return error instanceof SignatureError ? error.code : 'other';
    }
  };
  t.equal(await refusal({ method: 'POST', url, headers }), 'replayed-nonce', 'the same nonce again');
  t.equal(
    await refusal({ method: 'POST', url, headers: await sign({ nonce: 'n-2' }) }, { ...options, keys: () => undefined }),
    'unknown-key',
  );
  const other = generateKeyPairSync('ed25519').publicKey;
  t.equal(
    await refusal({ method: 'POST', url, headers: await sign({ nonce: 'n-3' }) }, { ...options, keys: () => other }),
    'bad-signature',
    'forged',
  );
  t.equal(await refusal({ method: 'POST', url: `${url}?x=1`, headers: await sign({ nonce: 'n-4' }) }), 'bad-signature', 'another target');
  t.equal(
    await refusal({ method: 'POST', url, headers: await sign({ nonce: 'n-5', created: new Date(now.getTime() - 301_000) }) }),
    'stale-created',
  );
  t.equal(
    await refusal({ method: 'POST', url, headers: await sign({ nonce: 'n-6', created: new Date(now.getTime() + 301_000) }) }),
    'stale-created',
    'from the future',
  );
  const narrow = await signRequest(
    { method: 'POST', url, body },
    { keyId: 'hub-a', privateKey },
    { created: now, components: ['@method', 'content-digest'] },
  );
  t.equal(await refusal({ method: 'POST', url, headers: narrow }), 'missing-components');
  t.equal(await refusal({ method: 'POST', url, headers: { 'content-type': 'application/xml' } }), 'missing-signature');
  t.equal(await refusal({ method: 'POST', url, headers: { 'signature-input': 'sig=(', signature: 'sig=:AA==:' } }), 'malformed-signature');
  const noNonce = { ...headers, 'signature-input': headers['signature-input']!.replace(/;nonce="n-1"/, '') };
  t.equal(await refusal({ method: 'POST', url, headers: noNonce }), 'missing-parameters');
  const rsa = { ...headers, 'signature-input': headers['signature-input']!.replace('"ed25519"', '"rsa-v1_5-sha256"') };
  t.equal(await refusal({ method: 'POST', url, headers: rsa }), 'unsupported-algorithm');
  t.equal(
    await refusal({ method: 'POST', url, headers: await sign({ nonce: 'n-1' }) }),
    'replayed-nonce',
    'a new signature with a used nonce',
  );
  t.equal(await refusal({ method: 'POST', url, headers: await sign({ nonce: 'n-7' }) }), 'accepted');
});
