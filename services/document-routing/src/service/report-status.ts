import { z } from 'zod';
import { handleCommand, type CommandContext } from '@lienthong/decider';
import { AppError, notFound } from '@lienthong/service-kit';
import { StatusCode, statusCodes, type EdxmlStatus, type EdxmlWarning, type StaffInfo } from '@lienthong/edxml';
import { documentDecider, type RecallAddressee } from '../domain/document-decider.js';
import { DocumentStreams } from '../domain/events.js';
import { statusIdFor, statusKeyOf } from '../domain/ids.js';
import type { DeliveryView } from '../projections/routing-projection.js';
import type { DocumentRow } from '../projections/routing-view.js';
import { findDocument, senderGate } from './access.js';
import { jsonHash, warningsOf, type ServiceContext, type SystemPrincipal } from './context.js';
import type { SubmitAnswer } from './submit-document.js';
import { submittedDocument } from './submitted-document.js';

export interface StatusAnswer extends SubmitAnswer {
  readonly statusId: string;
}

/**
 * The short JSON form of a status (`POST /v1/documents/:documentId/status`): the route's one
 * validator for JSON bodies (its JSON Schema, generated from it, is what /docs shows).
 */
export const StatusBody = z
  .object({
    statusCode: z.enum(statusCodes as [string, ...string[]]),
    description: z.string().min(1).max(4000).optional(),
    staff: z
      .union([
        z.string().min(1).max(200),
        z.object({
          department: z.string().min(1).max(500).optional(),
          staff: z.string().min(1).max(200).optional(),
          email: z.string().min(1).max(320).optional(),
          mobile: z.string().min(1).max(50).optional(),
        }),
      ])
      .optional(),
    timestamp: z.iso.datetime({ offset: true }).optional(),
    /** The reporting organisation, when the system acts for several parties of the document. */
    from: z.string().min(1).max(64).optional(),
    /** A recall request (13) for one recipient only (default: every recipient). */
    to: z.string().min(1).max(64).optional(),
  })
  .refine((body) => body.to === undefined || body.statusCode === StatusCode.recallRequested, {
    path: ['to'],
    message: 'names the recipient of a recall request: only with statusCode 13',
  });

/** A status as the route hands it over: edXML as a stream, or the short JSON form its validator produced. */
export type StatusMessage =
  | { readonly kind: 'xml'; readonly stream: AsyncIterable<Buffer | string> }
  | { readonly kind: 'json'; readonly value: z.output<typeof StatusBody> };

/** `POST /v1/documents/:documentId/status`: a status (edXML or the short JSON form) delivered to the other parties. */
export function reportStatus(ctx: ServiceContext) {
  const { store, view, directory, parser } = ctx;

  return async function report(
    documentRef: string,
    body: StatusMessage,
    principal: SystemPrincipal,
    context: CommandContext,
    idempotencyKey?: string,
  ): Promise<StatusAnswer> {
    const row = findDocument(view, documentRef, principal);
    if (!row) throw notFound(`no document ${documentRef}`);
    // 1. read the status: edXML, or the short JSON form completed from the document
    let status: EdxmlStatus;
    let bodySha256: string;
    let from: string;
    /** For a recall (13): the one recipient asked, or null for every recipient. */
    let addressee: RecallAddressee | null = null;
    let tolerated: readonly EdxmlWarning[] = [];
    if (body.kind === 'xml') {
      const parsed = await parser.parse(body.stream, {
        maxBytes: ctx.maxBodyBytes,
        keepUpTo: 0,
        beforeAttachments: senderGate(directory, principal),
      });
      if (parsed.message.kind !== 'status')
        throw new AppError('LT_VALIDATION', 'this is a document, not a status message: post it to /v1/documents', {
          errors: [{ path: 'body/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode', message: 'required element is missing' }],
        });
      status = parsed.message.status;
      tolerated = parsed.message.warnings;
      bodySha256 = parsed.digest.sha256;
      from = status.from.organId;
      // In a 13, ResponseFor/OrganId names the recipient asked (elsewhere, the document's issuer).
      if (status.statusCode === StatusCode.recallRequested)
        addressee = { ...ctx.resolve(status.responseFor.organId), otherwise: 'every-recipient' };
    } else {
      const input = body.value;
      bodySha256 = jsonHash(body.value);
      from = input.from ?? defaultReporter(row, view.deliveriesOf(row.documentId), principal, input.statusCode);
      const staff: StaffInfo | undefined = typeof input.staff === 'string' ? { staff: input.staff } : input.staff;
      // Whether it received the document is the decider's to say (after it checks that the caller is the sender).
      if (input.to !== undefined) addressee = { ...ctx.resolve(input.to), otherwise: 'refuse' };
      const document = await submittedDocument(ctx.store, row.documentId);
      const header = document.header;
      const agency = directory.getAgency(from);
      status = {
        from: { organId: from, ...(agency ? { organName: agency.name } : {}) },
        responseFor: {
          // a recall names the recipient asked; each delivery renders its own recipient (see content)
          organId:
            input.statusCode === StatusCode.recallRequested
              ? (addressee?.organId ?? header.to[0]?.organId ?? row.senderOrganId)
              : row.senderOrganId,
          code: `${header.code.codeNumber}/${header.code.codeNotation}`,
          documentId: row.edxmlDocumentId ?? row.documentId,
          promulgationDate: header.promulgationInfo.promulgationDate,
        },
        ...(staff ? { staffInfo: staff } : {}),
        statusCode: input.statusCode as EdxmlStatus['statusCode'],
        ...(input.description ? { description: input.description } : {}),
        timestamp: input.timestamp ?? new Date().toISOString(),
        traceHeaders: [],
        variant: { namespaceStyle: 'prefixed', timestampFormat: 'yyyy/MM/dd', soapEnvelope: false },
      };
    }
    // 2. decide: the reporter must be a party; the status goes to the sender (or, for 13, to recipients)
    const resolved = ctx.resolve(from);
    const key = statusKeyOf(idempotencyKey, bodySha256);
    const result = await handleCommand(
      store,
      documentDecider,
      DocumentStreams.document(row.documentId),
      {
        type: 'ReportStatus',
        data: {
          callerOrganIds: principal.organIds,
          from: resolved,
          key,
          statusCode: status.statusCode,
          description: status.description ?? null,
          staff: status.staffInfo ?? null,
          timestamp: status.timestamp,
          status,
          addressee,
        },
      },
      context,
    );
    const event = result.appended.at(-1);
    if (event) {
      await ctx.waitFor(event);
      const data = event.data as { statusId: string; deliveries: Array<{ organId: string; deliveryId: string }> };
      return { documentId: row.documentId, statusId: data.statusId, recipients: data.deliveries, ...warningsOf(tolerated) };
    }
    // a retry: answer from what the first one recorded
    const statusId = statusIdFor(row.documentId, resolved.organId!, key);
    const recipients = view
      .deliveriesOf(row.documentId)
      .filter((d) => d.statusId === statusId)
      .map((d) => ({ organId: d.to, deliveryId: d.deliveryId }));
    return { documentId: row.documentId, statusId, recipients, ...warningsOf(tolerated) };
  };
}

/** Which of the caller's organisations reports a status given in the short form (recall requests come from the sender). */
function defaultReporter(row: DocumentRow, deliveries: readonly DeliveryView[], principal: SystemPrincipal, statusCode: string): string {
  if (statusCode === StatusCode.recallRequested)
    return principal.organIds.includes(row.senderOrganId) ? row.senderOrganId : (principal.organIds[0] ?? row.senderOrganId);
  const recipients = deliveries.filter((d) => d.kind === 'document').map((d) => d.to);
  const mine = principal.organIds.filter((o) => recipients.includes(o));
  return mine[0] ?? principal.organIds[0] ?? '';
}
