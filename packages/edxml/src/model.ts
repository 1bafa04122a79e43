import { z } from 'zod';

/**
 * The canonical model of edXML (QCVN 102:2016/BTTTT, amended 2022) messages.
 * Field names are English camelCase; each comment names the edXML element it comes from.
 * Dates are ISO `YYYY-MM-DD`; timestamps ISO 8601 with an offset (`+07:00` when the sender gave none).
 */

/**
 * Bounds of the model, whatever form a message arrives in: the XML reader refuses longer text and
 * more attachments while it reads, and the JSON form is held to the same (plus a length for
 * every list, which XML bounds by its element count).
 */
export const modelLimits = { textLength: 1 << 20, listLength: 10_000, attachments: 1000 } as const;

const text = z.string().min(1).max(modelLimits.textLength);
const list = <T extends z.ZodType>(item: T) => z.array(item).max(modelLimits.listLength);
const isoDate = z.iso.date();
const isoTimestamp = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);

/** `From` / `To`: an organisation. */
export const Organisation = z.object({
  /** `OrganId` — mã định danh; QCVN 102 or QĐ 20 form, or a non-conforming id seen in real traffic. */
  organId: text,
  /** `OrganName` */
  organName: text.optional(),
  /** `OrganizationInCharge` */
  organizationInCharge: text.optional(),
  /** `OrganAdd` */
  organAdd: text.optional(),
  /** `Email` */
  email: text.optional(),
  /** `Telephone` */
  telephone: text.optional(),
  /** `Fax` */
  fax: text.optional(),
  /** `Website` */
  website: text.optional(),
});
export type Organisation = z.infer<typeof Organisation>;

/** `StaffInfo`: the clerk who handled the message. */
export const StaffInfo = z.object({
  /** `Department` */
  department: text.optional(),
  /** `Staff` */
  staff: text.optional(),
  /** `Email` */
  email: text.optional(),
  /** `Mobile` */
  mobile: text.optional(),
});
export type StaffInfo = z.infer<typeof StaffInfo>;

/** `ResponseFor` inside a document's MessageHeader: the document this one answers. */
export const ResponseFor = z.object({
  /** `OrganId` */
  organId: text,
  /** `Code` (number/notation as one string) */
  code: text,
  /** `PromulgationDate` */
  promulgationDate: isoDate.optional(),
  /** `DocumentId` */
  documentId: text.optional(),
});
export type ResponseFor = z.infer<typeof ResponseFor>;

/** `TraceHeader`: one hop of the message. */
export const TraceHeader = z.object({
  /** `OrganId`; optional because real gateways emit hops without one. */
  organId: text.optional(),
  /** `Timestamp` */
  timestamp: isoTimestamp,
});
export type TraceHeader = z.infer<typeof TraceHeader>;

/**
 * Where vendors put the edXML message (see `dialects.ts`): `edxml` the standard's `edXML` root;
 * `soap-body` an `edXML` element in a SOAP Body; `soap-header-status` a `Status` element in a SOAP
 * Header with the `edXML:` prefix bound to the SOAP namespace (C# provincial gateways).
 */
export const EnvelopeDialect = { edxml: 'edxml', soapBody: 'soap-body', soapHeaderStatus: 'soap-header-status' } as const;
export type EnvelopeDialect = (typeof EnvelopeDialect)[keyof typeof EnvelopeDialect];

/** How the sender wrote the message; recorded on parse, ignored on render (the hub emits the canonical form). */
export const Variant = z.object({
  /** `prefixed`: every edXML element has a prefix; `default`: none has; `mixed`: both. */
  namespaceStyle: z.enum(['prefixed', 'default', 'mixed']),
  /** Order of the first date or timestamp seen. */
  timestampFormat: z.enum(['yyyy/MM/dd', 'dd/MM/yyyy']),
  /** Whether the message came wrapped in a SOAP envelope. */
  soapEnvelope: z.boolean(),
  /** Where the message sat (absent: taken from JSON, or recorded before dialects were named). */
  dialect: z.enum(Object.values(EnvelopeDialect) as [EnvelopeDialect, ...EnvelopeDialect[]]).optional(),
  /** Irregularities of form the hub tolerated, one sentence each (e.g. bytes before the XML declaration). */
  tolerated: list(text).optional(),
});
export type Variant = z.infer<typeof Variant>;

/** `BussinessDocType`: 0 new, 1 revoke, 2 update, 3 replace. */
export const BusinessDocType = { new: 0, revoke: 1, update: 2, replace: 3 } as const;
export type BusinessDocType = (typeof BusinessDocType)[keyof typeof BusinessDocType];

/** `TraceHeaderList/Bussiness`: what this document does to earlier ones. */
export const Business = z.object({
  /** `BussinessDocType` */
  docType: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
  /** `BussinessDocReason` */
  reason: text.optional(),
  /** `DocumentId`: the document revoked or updated. */
  documentId: text.optional(),
  /** `ReplacementInfoList/ReplacementInfo`: documents replaced, and for whom. */
  replacementInfoList: list(
    z.object({
      /** `DocumentId` */
      documentId: text,
      /** `OrganIdList/OrganId` */
      organIds: list(text),
    }),
  ),
  /** `BussinessDocumentInfo` (updates): which parts changed and for which receivers. */
  documentInfo: z
    .object({
      /** `DocumentInfo` */
      documentInfo: text.optional(),
      /** `DocumentReceiver` */
      documentReceiver: text.optional(),
      /** `ReceiverList/Receiver` */
      receivers: list(
        z.object({
          /** `OrganId` */
          organId: text,
          /** `ReceiverType` */
          receiverType: text.optional(),
        }),
      ),
    })
    .optional(),
  /** `StaffInfo` */
  staffInfo: StaffInfo.optional(),
  /** `Paper`: 1 when a paper original follows. */
  paper: count.optional(),
});
export type Business = z.infer<typeof Business>;

/** An attachment as the model keeps it: metadata and the content's address, never the bytes. */
export const Attachment = z.object({
  /** `ContentId` (e.g. `cid:209`) */
  contentId: text.optional(),
  /** `AttachmentName` */
  name: text,
  /** `Description` (manifest `Reference` or `Attachment`) */
  description: text.optional(),
  /** `ContentType` */
  contentType: text.optional(),
  /** Size in bytes of the decoded `ContentTransferEncoded`. */
  size: count,
  /** Lower-case hex SHA-256 of the decoded content. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * The sender's `ContentTransferEncoded` was not base64 at all (e.g. an unfilled template
   * placeholder): the content stored is its text as sent, UTF-8. Recorded on parse, like `variant`
   * (whose `tolerated` names the attachment too); the hub renders the stored bytes as base64.
   */
  notBase64: z.literal(true).optional(),
});
export type Attachment = z.infer<typeof Attachment>;

/** The `Signature` element as sent (XML-DSig); whether it verifies is `verifyEdxmlSignature`'s business. */
export const SignatureInfo = z.object({
  present: z.literal(true),
  /** `SignedInfo/CanonicalizationMethod/@Algorithm` */
  canonicalizationMethod: text.optional(),
  /** `SignedInfo/SignatureMethod/@Algorithm` */
  signatureMethod: text.optional(),
  /** `SignedInfo/Reference` */
  references: list(
    z.object({
      /** `@URI` */
      uri: z.string(),
      /** `Transforms/Transform/@Algorithm` */
      transforms: list(text),
      /** `DigestMethod/@Algorithm` */
      digestMethod: text.optional(),
      /** `DigestValue` */
      digestValue: text.optional(),
    }),
  ),
  /** `SignatureValue` (base64, whitespace removed) */
  signatureValue: text.optional(),
  /** `KeyInfo/X509Data/X509SubjectName` */
  x509SubjectName: text.optional(),
  /** `KeyInfo/X509Data/X509Certificate` (base64 DER, whitespace removed) */
  x509Certificate: text.optional(),
});
export type SignatureInfo = z.infer<typeof SignatureInfo>;

/** `MessageHeader` of a document. */
export const DocumentHeader = z.object({
  /** `From` */
  from: Organisation,
  /** `To` (1..n) */
  to: list(Organisation).min(1),
  /** `DocumentId`, normally `{OrganId},{yyyy/MM/dd},{number}/{notation}` but free text in real traffic. */
  documentId: text.optional(),
  /** `Code` */
  code: z.object({
    /** `CodeNumber` */
    codeNumber: text,
    /** `CodeNotation` */
    codeNotation: text,
  }),
  /** `PromulgationInfo` */
  promulgationInfo: z.object({
    /** `Place` */
    place: text,
    /** `PromulgationDate` */
    promulgationDate: isoDate,
  }),
  /** `DocumentType` */
  documentType: z.object({
    /** `Type` */
    type: count,
    /** `TypeDetail` */
    typeDetail: count.optional(),
    /** `TypeName` */
    typeName: text.optional(),
  }),
  /** `Subject` (trích yếu) */
  subject: text,
  /** `Content` */
  content: text.optional(),
  /** `SignerInfo` */
  signerInfo: z.object({
    /** `Competence` (thẩm quyền) */
    competence: text.optional(),
    /** `Position` */
    position: text.optional(),
    /** `FullName` */
    fullName: text.optional(),
  }),
  /** `DueDate` */
  dueDate: isoDate.optional(),
  /** `ToPlaces/Place` */
  toPlaces: list(text),
  /** `OtherInfo` */
  otherInfo: z.object({
    /** `Priority`: 0 normal … 3 most urgent */
    priority: z.number().int().min(0).max(3),
    /** `SphereOfPromulgation` */
    sphereOfPromulgation: text.optional(),
    /** `TyperNotation` */
    typerNotation: text.optional(),
    /** `PromulgationAmount` */
    promulgationAmount: count.optional(),
    /** `PageAmount` */
    pageAmount: count.optional(),
    /** `Direction` (2022 amendment: a steering document) */
    direction: z.boolean().optional(),
    /** `Appendixes/Appendix` */
    appendixes: list(text),
  }),
  /** `ResponseFor` (0..n; wholly empty ones are dropped) */
  responseFor: list(ResponseFor),
  /** `SteeringType` */
  steeringType: count.optional(),
});
export type DocumentHeader = z.infer<typeof DocumentHeader>;

/** An edXML document package (văn bản điện tử). */
export const EdxmlDocument = z.object({
  /** `edXMLHeader/MessageHeader` */
  header: DocumentHeader,
  /** `TraceHeaderList/TraceHeader` */
  traceHeaders: list(TraceHeader),
  /** `TraceHeaderList/Bussiness` */
  business: Business.optional(),
  /** `edXMLManifest/Reference` joined with `AttachmentEncoded/Attachment` */
  attachments: z.array(Attachment).max(modelLimits.attachments),
  /** `edXMLHeader/Signature` */
  signature: SignatureInfo.optional(),
  variant: Variant,
});
export type EdxmlDocument = z.infer<typeof EdxmlDocument>;

/** `StatusCode` values and their meaning. */
export const StatusCode = {
  arrived: '01',
  rejected: '02',
  accepted: '03',
  assigned: '04',
  processing: '05',
  completed: '06',
  recallRequested: '13',
  recallAgreed: '15',
  recallRefused: '16',
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];
export const statusCodes = Object.values(StatusCode);

/** An edXML status message (trạng thái xử lý văn bản). */
export const EdxmlStatus = z.object({
  /** `MessageHeader/From` */
  from: Organisation,
  /** `MessageHeader/ResponseFor`: the document whose status this is. */
  responseFor: z.object({
    /** `OrganId` */
    organId: text,
    /** `Code` */
    code: text,
    /** `DocumentId` */
    documentId: text.optional(),
    /** `PromulgationDate` */
    promulgationDate: isoDate.optional(),
  }),
  /** `MessageHeader/StaffInfo` */
  staffInfo: StaffInfo.optional(),
  /** `MessageHeader/StatusCode` */
  statusCode: z.enum(statusCodes as [StatusCode, ...StatusCode[]]),
  /** `MessageHeader/Description` */
  description: text.optional(),
  /** `MessageHeader/Timestamp` */
  timestamp: isoTimestamp,
  /** `TraceHeaderList/TraceHeader` */
  traceHeaders: list(TraceHeader),
  variant: Variant,
});
export type EdxmlStatus = z.infer<typeof EdxmlStatus>;

/**
 * An attachment in the JSON form accepted by the documents API: the bytes as base64 `content`,
 * or a reference to content the hub already stores (`sha256`, with `size` when known).
 */
export const AttachmentJson = z.union([
  Attachment.omit({ size: true, sha256: true, notBase64: true }).extend({
    /** Base64 of the bytes. */
    content: z.string().regex(/^[A-Za-z0-9+/\r\n]*={0,2}[\r\n]*$/),
  }),
  Attachment.omit({ size: true, notBase64: true }).extend({ size: count.optional() }),
]);
export type AttachmentJson = z.infer<typeof AttachmentJson>;

/** The JSON form of a document (body of `POST /v1/documents` as `application/json`). */
export const EdxmlDocumentJson = EdxmlDocument.extend({
  attachments: z.array(AttachmentJson).max(modelLimits.attachments),
  variant: Variant.optional(),
});
export type EdxmlDocumentJson = z.infer<typeof EdxmlDocumentJson>;

/** The JSON form of a status message. */
export const EdxmlStatusJson = EdxmlStatus.extend({ variant: Variant.optional() });
export type EdxmlStatusJson = z.infer<typeof EdxmlStatusJson>;
