/** Online dossiers for the payment and notification specs: a procedure offered online, a submission, staff actions. */
import { randomUUID } from 'node:crypto';
import type { DossiersHub } from '../test-helpers.js';
import { pdf } from '../online/test-files.js';

export const ONLINE_PROCEDURE = '1.001193';

/** Publishes a procedure offered fully online with one required PDF component. */
export async function publishOnlineProcedure(hub: DossiersHub, code = ONLINE_PROCEDURE): Promise<void> {
  const r = await hub.platform.store.append(`procedure-${code}`, [
    {
      type: 'ProcedurePublished',
      data: {
        code,
        version: 1,
        name: 'Đăng ký khai sinh',
        field: 'Hộ tịch',
        agencyLevels: ['commune'],
        processingDays: 3,
        fees: [{ description: 'Lệ phí', amount: 50_000 }],
        components: [{ name: 'Giấy chứng sinh', required: true, mediaTypes: ['application/pdf'] }],
        result: 'Giấy khai sinh',
        legalBasis: [],
        onlineLevel: 'full',
      },
      metadata: { correlationId: randomUUID(), actor: 'admin', at: '2020-01-01T00:00:00.000Z' },
    },
  ]);
  await hub.platform.projections.get('dossiers-catalog-replica')!.waitFor(r.position);
}

/** `POST /v1/public/dossiers` with the application and its PDF: the receipt. */
export async function submitOnline(
  hub: DossiersHub,
  agencyId: string,
  applicant: { name: string; email?: string } = { name: 'Nguyễn Văn An' },
): Promise<{ dossierCode: string; lookupPin: string }> {
  const data = new FormData();
  data.append(
    'application',
    JSON.stringify({
      procedureCode: ONLINE_PROCEDURE,
      agencyId,
      applicant: { name: applicant.name },
      ...(applicant.email ? { contact: { email: applicant.email } } : {}),
    }),
  );
  data.append('Giấy chứng sinh', new Blob([pdf()], { type: 'application/pdf' }), 'giay-chung-sinh.pdf');
  const request = new Request('http://localhost/', { method: 'POST', body: data });
  const res = await hub.app.inject({
    method: 'POST',
    url: '/v1/public/dossiers',
    headers: { 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  });
  if (res.statusCode !== 201) throw new Error(`submission → ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A staff action that must succeed. */
export async function staffAct(hub: DossiersHub, code: string, action: string, token: Record<string, string>, body: object = {}) {
  const res = await hub.inject('POST', `/v1/dossiers/${code}/actions/${action}`, token, body);
  if (res.statusCode !== 200) throw new Error(`${action} → ${res.statusCode} ${res.body}`);
  return res.json() as { status: string };
}
