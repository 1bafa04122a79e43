export type { EdxmlDocument, EdxmlStatus, StaffInfo, TraceHeader } from './model.js';
export type { AttachmentSink, AttachmentSource, AttachmentWriter } from './attachments.js';
export type { EdxmlWarning } from './reader.js';
export type { EdxmlMessage } from './build.js';
export type { SignatureVerification } from './signature.js';

export { StatusCode, statusCodes } from './model.js';
export { EdxmlError, EdxmlRefusedError, EdxmlValidationError } from './errors.js';
export { memoryAttachmentStore } from './attachments.js';
export { parseEdxml } from './parse.js';
export { renderEdxml, renderEdxmlStream, renderStatus } from './render.js';
export { verifyEdxmlSignature } from './signature.js';
export { documentFromJson } from './json.js';
