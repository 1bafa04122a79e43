export type {
  Attachment,
  AttachmentJson,
  Business,
  DocumentHeader,
  EdxmlDocumentJson,
  EdxmlStatusJson,
  Organisation,
  ResponseFor,
  SignatureInfo,
  StaffInfo,
  TraceHeader,
  Variant,
} from './model.js';
export {
  EdxmlDocument,
  EdxmlStatus,
  EdxmlDocumentJson as EdxmlDocumentJsonSchema,
  EdxmlStatusJson as EdxmlStatusJsonSchema,
  BusinessDocType,
  StatusCode,
  statusCodes,
} from './model.js';
export type { EdxmlIssue } from './errors.js';
export { EdxmlError, EdxmlValidationError, EdxmlSyntaxError, EdxmlEncodingError, EdxmlRefusedError, EdxmlRefusal } from './errors.js';
export type { AttachmentMeta, AttachmentSink, AttachmentSource, AttachmentWriter, MemoryAttachmentStore, FileAttachmentStore } from './attachments.js';
export { memoryAttachmentStore, fileAttachmentStore } from './attachments.js';
export type { EdxmlLimits, EdxmlWarning } from './reader.js';
export { EDXML_NS, defaultLimits } from './reader.js';
export type { EdxmlMessage } from './build.js';
export type { ParseOptions } from './parse.js';
export { parseEdxml } from './parse.js';
export type { RenderOptions } from './render.js';
export { renderEdxml, renderEdxmlStream, renderStatus } from './render.js';
export type { SignatureVerification, SignerInfo as SignatureSigner } from './signature.js';
export { verifyEdxmlSignature } from './signature.js';
export type { FromJsonOptions } from './json.js';
export { documentFromJson, statusFromJson } from './json.js';
export { documentJsonSchema, statusJsonSchema, DOCUMENT_SCHEMA_ID, STATUS_SCHEMA_ID } from './json-schema.js';
