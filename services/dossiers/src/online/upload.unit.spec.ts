import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBlobStore } from '@lienthong/blob-store';
import { ONLINE_MEDIA_TYPES, UploadRefused, claimedMediaType, sniff, storeUpload, zipBomb } from './upload.js';
import { docx, docxBomb, pdf, png, zip } from './test-files.js';

const dir = mkdtempSync(join(tmpdir(), 'lt-upload-'));
const blobs = await openBlobStore({ dataDir: dir });
t.teardown(async () => {
  await blobs.close();
  rmSync(dir, { recursive: true, force: true });
});
async function* chunks(buffer: Buffer, size = 1000) {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}
const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
    return null;
  } catch (error) {
    return error instanceof UploadRefused ? error.refusal.reason : error;
  }
};

t.test('media types come from the bytes', async (t) => {
  t.equal(await sniff(pdf()), 'application/pdf');
  t.equal(await sniff(png()), 'image/png');
  t.equal(await sniff(docx()), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
  t.equal(await sniff(Buffer.from('<?xml version="1.0"?><a/>')), 'application/xml');
  t.equal(await sniff(Buffer.from('<hoSo><a/></hoSo>')), 'application/xml', 'XML without a declaration');
  t.equal(await sniff(Buffer.from('<!DOCTYPE html><html>')), null, 'HTML is not XML here');
  t.equal(await sniff(Buffer.from('plain text')), null);
  t.equal(claimedMediaType('a.PDF'), 'application/pdf');
  t.equal(claimedMediaType('noext'), undefined);
});

t.test('stored streamed when it fits; refused and not stored otherwise', async (t) => {
  const stored = await storeUpload(blobs, chunks(pdf(50_000)), { maxBytes: 100_000, allowed: ONLINE_MEDIA_TYPES, name: 'a.pdf' });
  t.equal(stored.size, 50_000);
  t.ok(await blobs.has(stored.sha256));
  t.equal(await refusal(storeUpload(blobs, chunks(pdf(50_000)), { maxBytes: 10_000, allowed: ONLINE_MEDIA_TYPES })), 'too-large');
  t.equal(await refusal(storeUpload(blobs, chunks(png()), { maxBytes: 10_000, allowed: ['application/pdf'] })), 'media-type');
  t.equal(
    await refusal(storeUpload(blobs, chunks(png()), { maxBytes: 10_000, allowed: ONLINE_MEDIA_TYPES, name: 'x.pdf' })),
    'media-type',
    'name lies',
  );
  t.equal(await refusal(storeUpload(blobs, chunks(Buffer.alloc(0)), { maxBytes: 10_000, allowed: ONLINE_MEDIA_TYPES })), 'empty');
  const bomb = docxBomb();
  t.equal(await refusal(storeUpload(blobs, chunks(bomb), { maxBytes: 10_000_000, allowed: ONLINE_MEDIA_TYPES })), 'zip-bomb');
  const { createHash } = await import('node:crypto');
  t.notOk(await blobs.has(createHash('sha256').update(bomb).digest('hex')), 'the bomb is not stored');
});

t.test('zip central directory checks', async (t) => {
  const ok = docx();
  t.equal(zipBomb(ok, ok.length), null);
  t.match(zipBomb(Buffer.from('not a zip at all, no directory'), 30), /no end of central directory/);
  const ratio = zip([{ name: 'a.xml', data: Buffer.alloc(1000), declared: 50 * 1024 * 1024 }]);
  t.match(zipBomb(ratio, ratio.length), /compressed more than/);
  const many = zip(Array.from({ length: 6000 }, (_, i) => ({ name: `${i}`, data: Buffer.alloc(0) })));
  t.match(zipBomb(many.subarray(many.length - 200_000), many.length), /entries|cannot be read/);
  const truncated = ok.subarray(ok.length - 30);
  t.match(zipBomb(truncated, ok.length), /cannot be read|damaged/, 'a directory outside the kept tail is refused');
});
