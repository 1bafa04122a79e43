/**
 * The contract every blob store adapter passes: `testBlobStore(t, 'fs', factory)` from the
 * adapter's `*.int.spec.ts`, with a real store (directory, nats-server).
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Test } from 'tap';
import { BlobNotFoundError, BlobStoreUnavailableError, BlobWriterStateError, InvalidBlobIdError } from '../errors.js';
import type { BlobStore } from '../types.js';

/** A fresh, empty store for one subtest; the factory registers its own teardown on `t`. */
export interface BlobStoreFixture {
  readonly store: BlobStore;
  /** Where the adapter spools writes in progress: must be empty whenever no write is running. */
  readonly spoolDir: string;
}
export type BlobStoreFactory = (t: Test) => Promise<BlobStoreFixture>;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads a stream to the end, returning its SHA-256 and length without keeping the bytes. */
export async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * `size` pseudo-random bytes in 64 KiB chunks, produced lazily; `expected` is their hash,
 * computed up front from the same generator so the test never holds the whole payload.
 */
export function generatedBlob(size: number, seed = 1): { stream: () => Readable; expected: { sha256: string; size: number } } {
  const CHUNK = 64 * 1024;
  function* chunks(): Generator<Buffer> {
    let state = seed >>> 0 || 1;
    for (let offset = 0; offset < size; offset += CHUNK) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - offset));
      for (let i = 0; i + 4 <= chunk.length; i += 4) {
        // xorshift32: cheap, deterministic, incompressible enough for a storage test.
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        chunk.writeUInt32LE(state >>> 0, i);
      }
      chunk.fill(seed & 0xff, chunk.length - (chunk.length % 4));
      yield chunk;
    }
  }
  const hash = createHash('sha256');
  for (const chunk of chunks()) hash.update(chunk);
  return { stream: () => Readable.from(chunks()), expected: { sha256: hash.digest('hex'), size } };
}

const INVALID_IDS: readonly unknown[] = [
  '../../etc/passwd',
  `../${'a'.repeat(61)}`,
  'A'.repeat(64),
  'a'.repeat(63),
  'a'.repeat(65),
  `${'a'.repeat(63)}/`,
  `${'a'.repeat(64)}\n`,
  '',
  42,
];

export function testBlobStore(t: Test, adapter: string, factory: BlobStoreFactory): void {
  const spoolIsEmpty = async (t: Test, spoolDir: string, when: string) => {
    t.same(await readdir(spoolDir), [], `no spool file left ${when}`);
  };

  t.test(`${adapter}: small blob round trip with content type`, async (t) => {
    const { store, spoolDir } = await factory(t);
    const data = Buffer.from('Công văn số 123/UBND\n');
    const put = await store.put(data, { contentType: 'text/plain; charset=utf-8' });
    t.same(put, { sha256: sha256Hex(data), size: data.length });
    t.equal(await store.has(put.sha256), true);
    t.same(await store.stat(put.sha256), { size: data.length, contentType: 'text/plain; charset=utf-8' });
    t.same(await readAll(await store.get(put.sha256)), data);
    await spoolIsEmpty(t, spoolDir, 'after put');
  });

  t.test(`${adapter}: empty blob and blob without content type`, async (t) => {
    const { store } = await factory(t);
    const put = await store.put(Buffer.alloc(0));
    t.same(put, { sha256: sha256Hex(''), size: 0 });
    t.same(await store.stat(put.sha256), { size: 0 }, 'no contentType key when none was given');
    t.equal((await readAll(await store.get(put.sha256))).length, 0);
  });

  t.test(`${adapter}: ~20 MB streamed round trip`, async (t) => {
    const { store, spoolDir } = await factory(t);
    const blob = generatedBlob(20 * 1024 * 1024 + 12_345, 7);
    const put = await store.put(blob.stream(), { contentType: 'application/pdf' });
    t.same(put, blob.expected);
    t.same(await store.stat(put.sha256), { size: blob.expected.size, contentType: 'application/pdf' });
    t.same(await hashStream(await store.get(put.sha256)), blob.expected, 'bytes read back hash to the id');
    await spoolIsEmpty(t, spoolDir, 'after a large put');
  });

  t.test(`${adapter}: same content, same id, stored once`, async (t) => {
    const { store } = await factory(t);
    const first = await store.put(Buffer.from('abcdef'), { contentType: 'text/plain' });
    const writer = store.openWriter({ contentType: 'application/octet-stream' });
    // Unawaited writes still apply in call order.
    void writer.write(Buffer.from('ab'));
    void writer.write(Buffer.from('cd'));
    await writer.write(Buffer.from('ef'));
    const second = await writer.end();
    t.same(second, first);
    t.same(await store.stat(first.sha256), { size: 6, contentType: 'text/plain' }, 'the first content type stays');
    const [a, b] = await Promise.all([store.put(Buffer.from('xyz')), store.put(Readable.from([Buffer.from('x'), 'yz']))]);
    t.same(a, b, 'concurrent puts of the same bytes agree');
    t.equal((await readAll(await store.get(a.sha256))).toString(), 'xyz');
  });

  t.test(`${adapter}: bytes put again keep the first content type; concurrent byte puts agree`, async (t) => {
    const { store, spoolDir } = await factory(t);
    const first = await store.put(Buffer.from('once'), { contentType: 'text/plain' });
    const again = await store.put(Buffer.from('once'), { contentType: 'application/pdf' });
    t.same(again, first);
    t.same(await store.stat(first.sha256), { size: 4, contentType: 'text/plain' }, 'the first content type stays');
    const many = await Promise.all(Array.from({ length: 8 }, () => store.put(Buffer.from('eight at once'), { contentType: 'text/plain' })));
    t.same(new Set(many.map((p) => p.sha256)).size, 1, 'one id');
    t.equal((await readAll(await store.get(many[0]!.sha256))).toString(), 'eight at once');
    t.same(await store.stat(many[0]!.sha256), { size: 13, contentType: 'text/plain' });
    await spoolIsEmpty(t, spoolDir, 'after repeated puts');
  });

  t.test(`${adapter}: missing blob`, async (t) => {
    const { store } = await factory(t);
    const missing = sha256Hex('never stored');
    t.equal(await store.has(missing), false);
    t.equal(await store.stat(missing), null);
    await t.rejects(store.get(missing), BlobNotFoundError);
    await t.rejects(store.get(missing), { code: 'LT_BLOB_NOT_FOUND', sha256: missing });
  });

  t.test(`${adapter}: invalid ids are refused`, async (t) => {
    const { store } = await factory(t);
    for (const id of INVALID_IDS) {
      const label = JSON.stringify(id);
      await t.rejects(store.has(id as string), InvalidBlobIdError, `has ${label}`);
      await t.rejects(store.stat(id as string), InvalidBlobIdError, `stat ${label}`);
      await t.rejects(store.get(id as string), { code: 'LT_INVALID_BLOB_ID' }, `get ${label}`);
    }
  });

  t.test(`${adapter}: an aborted or failed write leaves nothing`, async (t) => {
    const { store, spoolDir } = await factory(t);
    const data = Buffer.from('half an attachment');
    const writer = store.openWriter();
    await writer.write(data);
    await writer.abort();
    await writer.abort();
    t.equal(await store.has(sha256Hex(data)), false);
    await t.rejects(writer.write(data), BlobWriterStateError, 'write after abort');
    await t.rejects(writer.end(), BlobWriterStateError, 'end after abort');
    await spoolIsEmpty(t, spoolDir, 'after abort');

    const failing = Readable.from(
      (async function* () {
        yield data;
        throw new Error('client went away');
      })(),
    );
    await t.rejects(store.put(failing), { message: 'client went away' });
    t.equal(await store.has(sha256Hex(data)), false);
    await spoolIsEmpty(t, spoolDir, 'after a failed source');

    const done = store.openWriter();
    await done.write(data);
    await done.end();
    await t.rejects(done.write(data), BlobWriterStateError, 'write after end');
    await done.abort();
    t.equal(await store.has(sha256Hex(data)), true, 'abort after end does not undo the write');
  });

  t.test(`${adapter}: ping, then close`, async (t) => {
    const { store, spoolDir } = await factory(t);
    await t.resolves(store.ping());
    const pending = store.openWriter();
    await pending.write(Buffer.from('interrupted by close'));
    await store.close();
    await store.close();
    await spoolIsEmpty(t, spoolDir, 'after close aborted a pending writer');
    await t.rejects(store.ping(), BlobStoreUnavailableError);
    await t.rejects(store.put(Buffer.from('late')), BlobStoreUnavailableError);
    await t.rejects(store.has(sha256Hex('late')), { code: 'LT_BLOB_STORE_UNAVAILABLE' });
  });
}
