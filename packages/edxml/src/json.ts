import type { AttachmentMeta, AttachmentSink } from './attachments.js';
import { Base64Error, Base64StreamDecoder } from './base64.js';
import { EdxmlValidationError } from './errors.js';
import { EdxmlDocument, EdxmlDocumentJson, EdxmlStatus, EdxmlStatusJson } from './model.js';
import type { Attachment, Variant } from './model.js';
import { compact } from './tree.js';

/** The variant recorded for messages that arrived as JSON: they are taken as canonical. */
const JSON_VARIANT: Variant = { namespaceStyle: 'prefixed', timestampFormat: 'yyyy/MM/dd', soapEnvelope: false };

export interface FromJsonOptions {
  /** Receives base64 `content` decoded. */
  readonly attachments: AttachmentSink;
  /** Content already stored that this message may reference by `sha256` (its size); undefined when unknown or not the sender's to use. Without it every reference is refused. */
  readonly stored?: (sha256: string) => Promise<{ size: number } | undefined>;
}

function zodIssues(error: { issues: { path: PropertyKey[]; message: string }[] }): EdxmlValidationError {
  return new EdxmlValidationError(error.issues.map((i) => ({ path: i.path.map(String).join('/'), message: i.message })));
}

/**
 * Reads the JSON form of a document (body of `POST /v1/documents` as JSON) into the model,
 * writing base64 attachment content into the sink. Throws `EdxmlValidationError` with JSON paths.
 */
export async function documentFromJson(json: unknown, options: FromJsonOptions): Promise<EdxmlDocument> {
  const parsed = EdxmlDocumentJson.safeParse(json);
  if (!parsed.success) throw zodIssues(parsed.error);
  const input = parsed.data;
  const attachments: Attachment[] = [];
  const problems: { path: string; message: string }[] = [];
  for (const [i, a] of input.attachments.entries()) {
    const meta = { contentId: a.contentId, name: a.name, description: a.description, contentType: a.contentType };
    if ('content' in a) {
      const writer = await options.attachments.begin(
        compact({ contentId: a.contentId, name: a.name, contentType: a.contentType }) as AttachmentMeta,
      );
      const decoder = new Base64StreamDecoder();
      try {
        // Slices keep the decoded copy small even for a large base64 string.
        for (let k = 0; k < a.content.length; k += 1 << 20) await writer.write(decoder.push(a.content.slice(k, k + (1 << 20))));
        await writer.write(decoder.end());
      } catch (error) {
        await writer.abort?.();
        // Stored exactly as sent or refused: content that is not one byte sequence is named.
        if (error instanceof Base64Error)
          throw new EdxmlValidationError([{ path: `attachments/${i}/content`, message: `attachment "${a.name}": ${error.message}` }]);
        throw error;
      }
      attachments.push({ ...meta, ...(await writer.end()) });
    } else {
      // A reference names content already stored; its size is the store's, never the caller's word.
      const stored = await options.stored?.(a.sha256);
      if (stored === undefined) {
        problems.push({ path: `attachments/${i}/sha256`, message: 'no stored content with this sha256 that the sender may use' });
        continue;
      }
      if (a.size !== undefined && a.size !== stored.size) {
        problems.push({ path: `attachments/${i}/size`, message: `the stored content with this sha256 has ${stored.size} bytes` });
        continue;
      }
      attachments.push({ ...meta, sha256: a.sha256, size: stored.size });
    }
  }
  if (problems.length > 0) throw new EdxmlValidationError(problems);
  return EdxmlDocument.parse(compact({ ...input, attachments, variant: input.variant ?? JSON_VARIANT }));
}

/** Reads the JSON form of a status message into the model. */
export function statusFromJson(json: unknown): EdxmlStatus {
  const parsed = EdxmlStatusJson.safeParse(json);
  if (!parsed.success) throw zodIssues(parsed.error);
  return { ...parsed.data, variant: parsed.data.variant ?? JSON_VARIANT };
}
