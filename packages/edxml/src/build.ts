import { EdxmlDocument, EdxmlStatus, statusCodes } from './model.js';
import type { Attachment, Business, Organisation, SignatureInfo, StaffInfo, TraceHeader, Variant } from './model.js';
import { locateMessage } from './dialects.js';
import { EdxmlValidationError } from './errors.js';
import type { EdxmlWarning, ReadOutcome, XmlElement } from './reader.js';
import { Cursor, Issues, compact } from './tree.js';

/** The parsed message: a document or a status, plus what the reader tolerated (their messages also in `variant.tolerated`). */
export type EdxmlMessage =
  | { readonly kind: 'document'; readonly document: EdxmlDocument; readonly warnings: readonly EdxmlWarning[] }
  | { readonly kind: 'status'; readonly status: EdxmlStatus; readonly warnings: readonly EdxmlWarning[] };

/** Turns the tree read from the XML into a model, or throws `EdxmlValidationError` listing every problem. */
export function buildMessage(read: ReadOutcome): EdxmlMessage {
  const issues = new Issues();
  // 1. where the message sits: the table of dialects (dialects.ts)
  const located = locateMessage(read.root);
  const top = new Cursor(located.element, located.path, issues);
  const edxml = located.dialect.standsFor === 'edXML' ? top : undefined;
  const envelope = edxml?.only('edXMLEnvelope', true);
  const header = envelope?.only('edXMLHeader', true) ?? top;
  const mh = header.only('MessageHeader', true);
  const traceHeaders = readTraceHeaders(header.one('TraceHeaderList'));
  const isStatus = mh.one('StatusCode').exists;
  const from = readOrganisation(mh.one('From', true));

  const variantOf = (): Variant => ({
    namespaceStyle: read.unprefixed === 0 ? 'prefixed' : read.prefixed === 0 ? 'default' : 'mixed',
    timestampFormat: issues.order ?? 'yyyy/MM/dd',
    soapEnvelope: located.soapEnvelope,
    dialect: located.dialect.name,
    tolerated: read.warnings.length > 0 ? read.warnings.map((w) => w.message) : undefined,
  });

  if (isStatus) {
    // A status carries no attachments: content stored on the way is refused, never dropped.
    for (const c of read.contents) issues.add(c.path, 'a status message carries no attachments');
    const rf = mh.one('ResponseFor', true);
    const code = mh.str('StatusCode', true);
    if (code !== undefined && !(statusCodes as readonly string[]).includes(code)) {
      issues.add(mh.one('StatusCode').path, `"${code}" is not a status code (${statusCodes.join(', ')})`);
    }
    const status = compact({
      from,
      responseFor: {
        organId: rf.str('OrganId', true),
        code: rf.str('Code', true),
        documentId: rf.str('DocumentId'),
        promulgationDate: rf.date('PromulgationDate'),
      },
      staffInfo: readStaff(mh.one('StaffInfo')),
      statusCode: code,
      description: mh.str('Description'),
      timestamp: mh.timestamp('Timestamp', true),
      traceHeaders,
      variant: variantOf(),
    });
    return { kind: 'status', status: finish(EdxmlStatus, status, issues), warnings: read.warnings };
  }

  if (edxml === undefined || envelope === undefined) {
    issues.add(`${mh.path}/StatusCode`, `required element is missing: the ${located.dialect.name} dialect carries status messages only`);
    throw new EdxmlValidationError(issues.list);
  }
  const tos = mh.all('To');
  if (tos.length === 0 && mh.exists) issues.add(`${mh.path}/To`, 'required element is missing');
  const code = mh.one('Code', true);
  const prom = mh.one('PromulgationInfo', true);
  const type = mh.one('DocumentType', true);
  const signer = mh.one('SignerInfo');
  const other = mh.one('OtherInfo', true);
  const document = compact({
    header: {
      from,
      to: tos.map(readOrganisation),
      documentId: mh.str('DocumentId'),
      code: { codeNumber: code.str('CodeNumber', true), codeNotation: code.str('CodeNotation', true) },
      promulgationInfo: { place: prom.str('Place', true), promulgationDate: prom.date('PromulgationDate', true) },
      documentType: { type: type.int('Type', { required: true }), typeDetail: type.int('TypeDetail'), typeName: type.str('TypeName') },
      subject: mh.str('Subject', true),
      content: mh.str('Content'),
      signerInfo: { competence: signer.str('Competence'), position: signer.str('Position'), fullName: signer.str('FullName') },
      dueDate: mh.date('DueDate'),
      toPlaces: mh
        .one('ToPlaces')
        .all('Place')
        .flatMap((p) => (p.value === undefined ? [] : [p.value])),
      otherInfo: {
        priority: other.int('Priority', { required: true, max: 3 }),
        sphereOfPromulgation: other.str('SphereOfPromulgation'),
        typerNotation: other.str('TyperNotation'),
        promulgationAmount: other.int('PromulgationAmount'),
        pageAmount: other.int('PageAmount'),
        direction: other.bool('Direction'),
        appendixes: other
          .one('Appendixes')
          .all('Appendix')
          .flatMap((p) => (p.value === undefined ? [] : [p.value])),
      },
      responseFor: mh.all('ResponseFor').flatMap((rf) => {
        // Vendors send an empty ResponseFor skeleton when there is nothing to answer.
        if (['OrganId', 'Code', 'PromulgationDate', 'DocumentId'].every((n) => rf.str(n) === undefined)) return [];
        return [
          {
            organId: rf.str('OrganId', true),
            code: rf.str('Code', true),
            promulgationDate: rf.date('PromulgationDate'),
            documentId: rf.str('DocumentId'),
          },
        ];
      }),
      steeringType: mh.int('SteeringType'),
    },
    traceHeaders,
    business: readBusiness(header.one('TraceHeaderList').one('Bussiness')),
    attachments: readAttachments(edxml, envelope, read, issues),
    signature: readSignature(header.el ?? edxml.el!),
    variant: variantOf(),
  });
  return { kind: 'document', document: finish(EdxmlDocument, document, issues), warnings: read.warnings };
}

function finish<T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
  issues: Issues,
): T {
  if (issues.list.length > 0) throw new EdxmlValidationError(issues.list);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    // Rules the element readers do not check (e.g. text formats) surface here with model paths.
    throw new EdxmlValidationError(parsed.error.issues.map((i) => ({ path: i.path.map(String).join('/'), message: i.message })));
  }
  return parsed.data;
}

function readOrganisation(c: Cursor): Organisation {
  return {
    organId: c.str('OrganId', true)!,
    organName: c.str('OrganName'),
    organizationInCharge: c.str('OrganizationInCharge'),
    organAdd: c.str('OrganAdd'),
    email: c.str('Email'),
    telephone: c.str('Telephone'),
    fax: c.str('Fax'),
    website: c.str('Website'),
  };
}

function readStaff(c: Cursor): StaffInfo | undefined {
  if (!c.exists) return undefined;
  return { department: c.str('Department'), staff: c.str('Staff'), email: c.str('Email'), mobile: c.str('Mobile') };
}

function readTraceHeaders(list: Cursor): TraceHeader[] {
  return list.all('TraceHeader').map((th) => ({ organId: th.str('OrganId'), timestamp: th.timestamp('Timestamp', true)! }));
}

function readBusiness(b: Cursor): Business | undefined {
  if (!b.exists) return undefined;
  const info = b.one('BussinessDocumentInfo');
  return {
    docType: b.int('BussinessDocType', { required: true, max: 3 }) as Business['docType'],
    reason: b.str('BussinessDocReason'),
    documentId: b.str('DocumentId'),
    replacementInfoList: b
      .one('ReplacementInfoList')
      .all('ReplacementInfo')
      .map((r) => ({
        documentId: r.str('DocumentId', true)!,
        organIds: r
          .one('OrganIdList')
          .all('OrganId')
          .flatMap((o) => (o.value === undefined ? [] : [o.value])),
      })),
    documentInfo: info.exists
      ? {
          documentInfo: info.str('DocumentInfo'),
          documentReceiver: info.str('DocumentReceiver'),
          receivers: info
            .one('ReceiverList')
            .all('Receiver')
            .map((r) => ({ organId: r.str('OrganId', true)!, receiverType: r.str('ReceiverType') })),
        }
      : undefined,
    staffInfo: readStaff(b.one('StaffInfo')),
    paper: b.int('Paper'),
  };
}

function readAttachments(edxml: Cursor, envelope: Cursor, read: ReadOutcome, issues: Issues): Attachment[] {
  const refs = envelope.only('edXMLBody').only('edXMLManifest').all('Reference');
  // The standard puts AttachmentEncoded after the envelope; some senders put it inside. One of the two.
  const places = [edxml.only('AttachmentEncoded'), envelope.only('AttachmentEncoded')].filter((c) => c.exists);
  if (places.length > 1) issues.add(places[1]!.path, 'only one AttachmentEncoded is allowed (found one beside edXMLEnvelope too)');
  const encoded = places[0] ?? edxml.one('AttachmentEncoded');
  const out: Attachment[] = [];
  const carried = new Set<unknown>();
  const used = new Set<Cursor>();
  for (const a of encoded.all('Attachment')) {
    const contentId = a.str('ContentId');
    const ownName = a.str('AttachmentName');
    const ref =
      refs.find((r) => !used.has(r) && contentId !== undefined && r.str('ContentId') === contentId) ??
      refs.find((r) => !used.has(r) && r.str('ContentId') === undefined && ownName !== undefined && r.str('AttachmentName') === ownName);
    if (ref) used.add(ref);
    const content = a.all('ContentTransferEncoded');
    const stored = content[0]?.el?.stored;
    const notBase64 = content[0]?.el?.notBase64;
    carried.add(stored);
    if (content.length !== 1)
      issues.add(`${a.path}/ContentTransferEncoded`, content.length === 0 ? 'required element is missing' : 'only one is allowed');
    const name = ownName ?? ref?.str('AttachmentName');
    if (name === undefined) issues.add(`${a.path}/AttachmentName`, 'required element is missing');
    if (stored === undefined || name === undefined) continue;
    out.push({
      contentId,
      name,
      description: ref?.str('Description') ?? a.str('Description'),
      contentType: a.str('ContentType') ?? ref?.str('ContentType'),
      size: stored.size,
      sha256: stored.sha256,
      notBase64,
    });
  }
  for (const r of refs) {
    if (used.has(r)) continue;
    const cid = r.str('ContentId');
    issues.add(r.path, `the manifest references ${cid ?? 'an attachment'} but no Attachment carries it`);
  }
  // Content the reader stored that no attachment above carries would be lost without a word.
  for (const c of read.contents)
    if (!carried.has(c.element.stored))
      issues.add(c.path, 'attachment content outside the message: it is not read as one of its attachments');
  return out;
}

/** The signature may sit in the XML-DSig namespace or, as some vendors send it, in the default one. */
function readSignature(header: XmlElement): SignatureInfo | undefined {
  const sig = header.children.find((c) => c.local === 'Signature');
  if (!sig) return undefined;
  const desc = (el: XmlElement, local: string): XmlElement | undefined => {
    for (const c of el.children) {
      if (c.local === local) return c;
      const d = desc(c, local);
      if (d) return d;
    }
    return undefined;
  };
  const all = (el: XmlElement | undefined, local: string): XmlElement[] => el?.children.filter((c) => c.local === local) ?? [];
  const txt = (el: XmlElement | undefined): string | undefined => el?.text.replace(/\s+/g, '') || undefined;
  const signedInfo = all(sig, 'SignedInfo')[0];
  return {
    present: true,
    canonicalizationMethod: all(signedInfo, 'CanonicalizationMethod')[0]?.attrs['Algorithm'],
    signatureMethod: all(signedInfo, 'SignatureMethod')[0]?.attrs['Algorithm'],
    references: all(signedInfo, 'Reference').map((r) => ({
      uri: r.attrs['URI'] ?? '',
      transforms: all(all(r, 'Transforms')[0], 'Transform').flatMap((t) => (t.attrs['Algorithm'] ? [t.attrs['Algorithm']] : [])),
      digestMethod: all(r, 'DigestMethod')[0]?.attrs['Algorithm'],
      digestValue: txt(all(r, 'DigestValue')[0]),
    })),
    signatureValue: txt(all(sig, 'SignatureValue')[0]),
    x509SubjectName: desc(sig, 'X509SubjectName')?.text.trim() || undefined,
    x509Certificate: txt(desc(sig, 'X509Certificate')),
  };
}
