import { Readable } from 'node:stream';
import type { AttachmentSource } from './attachments.js';
import { Base64StreamEncoder } from './base64.js';
import { formatDate, formatTimestamp } from './dates.js';
import type { Business, EdxmlDocument, EdxmlStatus, Organisation, SignatureInfo, StaffInfo, TraceHeader } from './model.js';
import { EDXML_NS } from './reader.js';

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

export interface RenderOptions {
  /** Gives back attachment content by SHA-256 (documents only). */
  readonly attachments?: AttachmentSource;
  /** A hop appended to the TraceHeaderList, e.g. the hub's own. */
  readonly extraTraceHeader?: TraceHeader;
}

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string): string => escapeText(s).replace(/"/g, '&quot;');

/** One edXML element; `undefined` content (not empty arrays) omits it, as optional fields do. */
function el(name: string, content: string | number | boolean | undefined, indent: number): string {
  if (content === undefined) return '';
  const pad = '  '.repeat(indent);
  return `${pad}<edXML:${name}>${escapeText(String(content))}</edXML:${name}>\n`;
}

function group(name: string, inner: string, indent: number, attrs = ''): string {
  const pad = '  '.repeat(indent);
  return `${pad}<edXML:${name}${attrs}>\n${inner}${pad}</edXML:${name}>\n`;
}

function organisation(tag: string, o: Organisation, i: number): string {
  return group(
    tag,
    el('OrganId', o.organId, i + 1) +
      el('OrganizationInCharge', o.organizationInCharge, i + 1) +
      el('OrganName', o.organName, i + 1) +
      el('OrganAdd', o.organAdd, i + 1) +
      el('Email', o.email, i + 1) +
      el('Telephone', o.telephone, i + 1) +
      el('Fax', o.fax, i + 1) +
      el('Website', o.website, i + 1),
    i,
  );
}

function staff(s: StaffInfo | undefined, i: number): string {
  if (!s) return '';
  return group(
    'StaffInfo',
    el('Department', s.department, i + 1) + el('Staff', s.staff, i + 1) + el('Email', s.email, i + 1) + el('Mobile', s.mobile, i + 1),
    i,
  );
}

function business(b: Business | undefined, i: number): string {
  if (!b) return '';
  const j = i + 1;
  let inner =
    el('DocumentId', b.documentId, j) +
    el('BussinessDocType', b.docType, j) +
    el('BussinessDocReason', b.reason, j) +
    el('Paper', b.paper, j);
  if (b.replacementInfoList.length > 0) {
    inner += group(
      'ReplacementInfoList',
      b.replacementInfoList
        .map((r) =>
          group(
            'ReplacementInfo',
            el('DocumentId', r.documentId, j + 2) + group('OrganIdList', r.organIds.map((o) => el('OrganId', o, j + 3)).join(''), j + 2),
            j + 1,
          ),
        )
        .join(''),
      j,
    );
  }
  if (b.documentInfo) {
    const d = b.documentInfo;
    const receivers = d.receivers
      .map((r) => group('Receiver', el('OrganId', r.organId, j + 3) + el('ReceiverType', r.receiverType, j + 3), j + 2))
      .join('');
    inner += group(
      'BussinessDocumentInfo',
      el('DocumentInfo', d.documentInfo, j + 1) +
        el('DocumentReceiver', d.documentReceiver, j + 1) +
        (receivers ? group('ReceiverList', receivers, j + 1) : ''),
      j,
    );
  }
  return group('Bussiness', inner + staff(b.staffInfo, j), i);
}

/** TraceHeaderList as the fixtures show it: no attributes, one TraceHeader per hop, then Bussiness. */
function traceHeaderList(traces: readonly TraceHeader[], extra: TraceHeader | undefined, b: Business | undefined, i: number): string {
  const all = extra ? [...traces, extra] : traces;
  if (all.length === 0 && !b) return '';
  const hops = all
    .map((t) => group('TraceHeader', el('OrganId', t.organId, i + 2) + el('Timestamp', formatTimestamp(t.timestamp), i + 2), i + 1))
    .join('');
  return group('TraceHeaderList', hops + business(b, i + 1), i);
}

/** Re-emits the sender's signature in the XML-DSig namespace; it no longer verifies once the hub has added a hop. */
function signature(s: SignatureInfo | undefined, i: number): string {
  if (!s) return '';
  const p = (n: number): string => '  '.repeat(n);
  const alg = (name: string, a: string | undefined, n: number): string =>
    a === undefined ? '' : `${p(n)}<${name} Algorithm="${escapeAttr(a)}"/>\n`;
  const txt = (name: string, v: string | undefined, n: number): string =>
    v === undefined ? '' : `${p(n)}<${name}>${escapeText(v)}</${name}>\n`;
  const refs = s.references
    .map(
      (r) =>
        `${p(i + 2)}<Reference URI="${escapeAttr(r.uri)}">\n` +
        (r.transforms.length > 0
          ? `${p(i + 3)}<Transforms>\n${r.transforms.map((t) => alg('Transform', t, i + 4)).join('')}${p(i + 3)}</Transforms>\n`
          : '') +
        alg('DigestMethod', r.digestMethod, i + 3) +
        txt('DigestValue', r.digestValue, i + 3) +
        `${p(i + 2)}</Reference>\n`,
    )
    .join('');
  const x509 =
    s.x509SubjectName !== undefined || s.x509Certificate !== undefined
      ? `${p(i + 1)}<KeyInfo>\n${p(i + 2)}<X509Data>\n${txt('X509SubjectName', s.x509SubjectName, i + 3)}${txt('X509Certificate', s.x509Certificate, i + 3)}${p(i + 2)}</X509Data>\n${p(i + 1)}</KeyInfo>\n`
      : '';
  return (
    `${p(i)}<Signature xmlns="${DSIG_NS}">\n${p(i + 1)}<SignedInfo>\n` +
    alg('CanonicalizationMethod', s.canonicalizationMethod, i + 2) +
    alg('SignatureMethod', s.signatureMethod, i + 2) +
    refs +
    `${p(i + 1)}</SignedInfo>\n` +
    txt('SignatureValue', s.signatureValue, i + 1) +
    x509 +
    `${p(i)}</Signature>\n`
  );
}

function documentHeader(d: EdxmlDocument, i: number): string {
  const h = d.header;
  const j = i + 1;
  const o = h.otherInfo;
  return group(
    'MessageHeader',
    organisation('From', h.from, j) +
      h.to.map((t) => organisation('To', t, j)).join('') +
      el('DocumentId', h.documentId, j) +
      group('Code', el('CodeNumber', h.code.codeNumber, j + 1) + el('CodeNotation', h.code.codeNotation, j + 1), j) +
      group(
        'PromulgationInfo',
        el('Place', h.promulgationInfo.place, j + 1) + el('PromulgationDate', formatDate(h.promulgationInfo.promulgationDate), j + 1),
        j,
      ) +
      group(
        'DocumentType',
        el('Type', h.documentType.type, j + 1) +
          el('TypeDetail', h.documentType.typeDetail, j + 1) +
          el('TypeName', h.documentType.typeName, j + 1),
        j,
      ) +
      el('Subject', h.subject, j) +
      el('Content', h.content, j) +
      group(
        'SignerInfo',
        el('Competence', h.signerInfo.competence, j + 1) +
          el('Position', h.signerInfo.position, j + 1) +
          el('FullName', h.signerInfo.fullName, j + 1),
        j,
      ) +
      el('DueDate', h.dueDate === undefined ? undefined : formatDate(h.dueDate), j) +
      (h.toPlaces.length > 0 ? group('ToPlaces', h.toPlaces.map((p) => el('Place', p, j + 1)).join(''), j) : '') +
      group(
        'OtherInfo',
        el('Priority', o.priority, j + 1) +
          el('SphereOfPromulgation', o.sphereOfPromulgation, j + 1) +
          el('TyperNotation', o.typerNotation, j + 1) +
          el('PromulgationAmount', o.promulgationAmount, j + 1) +
          el('PageAmount', o.pageAmount, j + 1) +
          el('Direction', o.direction, j + 1) +
          (o.appendixes.length > 0 ? group('Appendixes', o.appendixes.map((a) => el('Appendix', a, j + 2)).join(''), j + 1) : ''),
        j,
      ) +
      h.responseFor
        .map((r) =>
          group(
            'ResponseFor',
            el('OrganId', r.organId, j + 1) +
              el('Code', r.code, j + 1) +
              el('PromulgationDate', r.promulgationDate === undefined ? undefined : formatDate(r.promulgationDate), j + 1) +
              el('DocumentId', r.documentId, j + 1),
            j,
          ),
        )
        .join('') +
      el('SteeringType', h.steeringType, j),
    i,
  );
}

const PROLOG = `<?xml version="1.0" encoding="UTF-8"?>\n<edXML:edXML xmlns:edXML="${EDXML_NS}">\n`;

async function* documentParts(d: EdxmlDocument, options: RenderOptions): AsyncGenerator<string> {
  yield (
    PROLOG +
    '  <edXML:edXMLEnvelope>\n' +
    group(
      'edXMLHeader',
      documentHeader(d, 3) + traceHeaderList(d.traceHeaders, options.extraTraceHeader, d.business, 3) + signature(d.signature, 3),
      2,
    ) +
    group(
      'edXMLBody',
      group(
        'edXMLManifest',
        d.attachments
          .map((a) =>
            group(
              'Reference',
              el('ContentId', a.contentId, 5) +
                el('AttachmentName', a.name, 5) +
                el('ContentType', a.contentType, 5) +
                el('Description', a.description, 5),
              4,
            ),
          )
          .join(''),
        3,
        ' version="1.0"',
      ),
      2,
    ) +
    '  </edXML:edXMLEnvelope>\n'
  );
  if (d.attachments.length > 0) {
    const source = options.attachments;
    if (!source) throw new Error('renderEdxml: the document has attachments but no attachment source was given');
    yield '  <edXML:AttachmentEncoded>\n';
    for (const a of d.attachments) {
      yield (
        '    <edXML:Attachment>\n' +
        el('ContentId', a.contentId, 3) +
        el('AttachmentName', a.name, 3) +
        el('Description', a.description, 3) +
        el('ContentType', a.contentType, 3) +
        '      <edXML:ContentTransferEncoded>'
      );
      const encoder = new Base64StreamEncoder();
      for await (const chunk of await source.open(a.sha256)) {
        const text = encoder.push(chunk);
        if (text !== '') yield text;
      }
      yield `${encoder.end()}</edXML:ContentTransferEncoded>\n    </edXML:Attachment>\n`;
    }
    yield '  </edXML:AttachmentEncoded>\n';
  }
  yield '</edXML:edXML>\n';
}

/** Renders a document as canonical edXML, streaming attachment content from the source (for large packages). */
export function renderEdxmlStream(document: EdxmlDocument, options: RenderOptions = {}): Readable {
  return Readable.from(documentParts(document, options), { objectMode: false });
}

/** Renders a document as canonical edXML into one string (attachments included: fine for small packages). */
export async function renderEdxml(document: EdxmlDocument, options: RenderOptions = {}): Promise<string> {
  let out = '';
  for await (const part of documentParts(document, options)) out += part;
  return out;
}

/** Renders a status message as canonical edXML. */
export function renderStatus(status: EdxmlStatus, options: Pick<RenderOptions, 'extraTraceHeader'> = {}): string {
  const rf = status.responseFor;
  const header = group(
    'MessageHeader',
    organisation('From', status.from, 4) +
      group(
        'ResponseFor',
        el('OrganId', rf.organId, 5) +
          el('Code', rf.code, 5) +
          el('PromulgationDate', rf.promulgationDate === undefined ? undefined : formatDate(rf.promulgationDate), 5) +
          el('DocumentId', rf.documentId, 5),
        4,
      ) +
      staff(status.staffInfo, 4) +
      el('StatusCode', status.statusCode, 4) +
      el('Description', status.description, 4) +
      el('Timestamp', formatTimestamp(status.timestamp), 4),
    3,
  );
  return (
    PROLOG +
    '  <edXML:edXMLEnvelope>\n' +
    group('edXMLHeader', header + traceHeaderList(status.traceHeaders, options.extraTraceHeader, undefined, 3), 2) +
    '  </edXML:edXMLEnvelope>\n</edXML:edXML>\n'
  );
}
