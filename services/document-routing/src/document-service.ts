import { serviceContext, type DocumentServiceDeps } from './service/context.js';
import { acknowledgeDelivery } from './service/acknowledge-delivery.js';
import { deliveryContent } from './service/delivery-content.js';
import { documentQueries } from './service/document-queries.js';
import { reportStatus } from './service/report-status.js';
import { submitDocument } from './service/submit-document.js';

export { organsOf } from './service/access.js';
export type { AnswerWarnings, DocumentServiceDeps, MessageBody, SystemPrincipal } from './service/context.js';
export type { DeliveryContent } from './service/delivery-content.js';
export type { StatusAnswer } from './service/report-status.js';
export type { SubmitAnswer } from './service/submit-document.js';

/**
 * Command and query side of document routing, called by the HTTP routes and the WebSocket stream.
 * Each command and each group of queries lives in its own file under `service/`.
 */
export function createDocumentService(deps: DocumentServiceDeps) {
  const ctx = serviceContext(deps);
  return {
    view: deps.view,
    submit: submitDocument(ctx),
    reportStatus: reportStatus(ctx),
    acknowledge: acknowledgeDelivery(ctx),
    content: deliveryContent(ctx),
    ...documentQueries(ctx),
  };
}
export type DocumentService = ReturnType<typeof createDocumentService>;
