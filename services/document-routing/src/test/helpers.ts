import { readFileSync } from 'node:fs';
import { realEdxmlDir } from '@lienthong/testing';
import { directoryModule } from '@lienthong/platform';
import { startTestHub, type TestHub } from '@lienthong/platform/testing';
import { memoryAttachmentStore, renderEdxml, type EdxmlDocument } from '@lienthong/edxml';
import { documentRoutingModule } from '../module.js';

export const FIXTURES = `${realEdxmlDir()}/`;
export const fixture = (name: string): Buffer => readFileSync(`${FIXTURES}${name}`);

export type Auth = { authorization: string };

export function startRoutingHub(options: Parameters<typeof startTestHub>[1] = {}): Promise<TestHub> {
  return startTestHub([directoryModule, documentRoutingModule], options);
}

/** A document model; `attachment` bytes are rendered base64 into the package. */
export function sampleDocument(options: {
  from: string;
  to: readonly string[];
  documentId?: string;
  subject?: string;
  business?: EdxmlDocument['business'];
}): EdxmlDocument {
  return {
    header: {
      from: { organId: options.from, organName: `Cơ quan ${options.from}` },
      to: options.to.map((organId) => ({ organId, organName: `Cơ quan ${organId}` })),
      ...(options.documentId ? { documentId: options.documentId } : {}),
      code: { codeNumber: '123', codeNotation: 'UBND-VP' },
      promulgationInfo: { place: 'Hà Nội', promulgationDate: '2026-01-15' },
      documentType: { type: 1, typeName: 'Công văn' },
      subject: options.subject ?? 'Về việc triển khai liên thông văn bản',
      signerInfo: { position: 'Chánh Văn phòng', fullName: 'Nguyễn Văn A' },
      toPlaces: [],
      otherInfo: { priority: 0, appendixes: [] },
      responseFor: [],
    },
    traceHeaders: [{ organId: options.from, timestamp: '2026-01-15T08:00:00+07:00' }],
    ...(options.business ? { business: options.business } : {}),
    attachments: [],
    variant: { namespaceStyle: 'prefixed', timestampFormat: 'yyyy/MM/dd', soapEnvelope: false },
  };
}

/** Renders a document with attachments (given as bytes) to edXML text. */
export async function sampleXml(
  document: EdxmlDocument,
  attachments: ReadonlyArray<{ name: string; bytes: Buffer; contentType?: string }> = [],
): Promise<string> {
  const store = memoryAttachmentStore();
  const withAttachments: EdxmlDocument = {
    ...document,
    attachments: attachments.map((a, i) => ({
      contentId: `cid:${i + 1}`,
      name: a.name,
      ...(a.contentType ? { contentType: a.contentType } : {}),
      ...store.put(a.bytes),
    })),
  };
  return renderEdxml(withAttachments, { attachments: store });
}

/** POSTs edXML text or bytes to /v1/documents. */
export function postXml(hub: TestHub, auth: Auth, xml: string | Buffer, headers: Record<string, string> = {}) {
  return hub.app.inject({
    method: 'POST',
    url: '/v1/documents',
    headers: { ...auth, 'content-type': 'application/xml', ...headers },
    payload: xml,
  });
}

export function postJson(hub: TestHub, auth: Auth, url: string, body: unknown, headers: Record<string, string> = {}) {
  return hub.app.inject({ method: 'POST', url, headers: { ...auth, ...headers }, payload: body as object });
}

export function get(hub: TestHub, auth: Auth, url: string) {
  return hub.app.inject({ method: 'GET', url, headers: auth });
}

export async function inbox(
  hub: TestHub,
  auth: Auth,
  query = '',
): Promise<Array<{ deliveryId: string; kind: string; documentId: string; from: string; to: string; statusCode?: string }>> {
  const res = await get(hub, auth, `/v1/inbox${query}`);
  if (res.statusCode !== 200) throw new Error(`inbox → ${res.statusCode} ${res.body}`);
  return (res.json() as { items: [] }).items;
}
