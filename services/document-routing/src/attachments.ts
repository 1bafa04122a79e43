import type { BlobStore, BlobWriter } from '@lienthong/blob-store';
import type { AttachmentSink, AttachmentSource, AttachmentWriter } from '@lienthong/edxml';

/** Attachments up to this size are buffered and stored whole (hashed first: content the hub already has is not written again). */
const IN_MEMORY = 1 << 20;

/**
 * Adapts the blob store to the edXML parser: decoded attachment content streams into a blob
 * writer (spooled to disk, never held whole), small ones are buffered and skipped when known.
 */
export function blobSink(blobs: BlobStore): AttachmentSink {
  return {
    begin(): AttachmentWriter {
      // No content type beside the blob: the document records it (the read model serves it),
      // which spares a second file and its fsync per attachment.
      const options = {};
      let chunks: Buffer[] = [];
      let buffered = 0;
      let writer: BlobWriter | undefined;
      return {
        async write(chunk) {
          if (writer) return writer.write(chunk);
          chunks.push(chunk);
          buffered += chunk.length;
          if (buffered > IN_MEMORY) {
            writer = blobs.openWriter(options);
            for (const c of chunks) await writer.write(c);
            chunks = [];
          }
        },
        async end() {
          if (writer) return writer.end();
          // The store hashes bytes given whole first and skips content it already has.
          return blobs.put(Buffer.concat(chunks), options);
        },
        async abort() {
          await writer?.abort();
        },
      };
    },
  };
}

/** Gives stored attachment content back to the renderer. */
export function blobSource(blobs: BlobStore): AttachmentSource {
  return { open: (sha256) => blobs.get(sha256) };
}
