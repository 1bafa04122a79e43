import type { FastifyInstance } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import { validationError } from '@lienthong/service-kit';
import type { DirectoryView } from '@lienthong/directory';
import type { Database } from '@lienthong/projections';
import { instant } from '../http/routes.js';
import type { Context } from '../dossier-service.js';
import { scopedAgency } from '../agency-scope.js';
import { ledgerEntries, type LedgerEntry } from './payment-ledger.js';
import type { PaymentService } from './payment-service.js';

/** The portal page the payer's return lands on (SPEC §7). */
export const PORTAL_PATH = '/dich-vu-cong';

const tags = ['payments'];
const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
/** VNPay's parameters as sent: any `vnp_*` text; what is wrong is answered in VNPay's own format, not by the schema. */
const callbackQuery = { type: 'object', additionalProperties: { type: 'string', maxLength: 1024 }, maxProperties: 40 } as const;
const ipnAnswer = {
  description:
    "VNPay's answer format: 00 confirmed, 01 order not found, 02 already confirmed, 04 invalid amount, 97 invalid signature, 99 other",
  type: 'object',
  properties: { RspCode: { type: 'string' }, Message: { type: 'string' } },
} as const;

const CSV_COLUMNS: readonly (keyof LedgerEntry)[] = [
  'at',
  'kind',
  'paymentId',
  'attemptRef',
  'dossierCode',
  'agencyId',
  'amount',
  'status',
  'reason',
  'responseCode',
  'providerTransactionNo',
  'bankCode',
  'payDate',
  'settledAt',
  'applied',
];

/** A spreadsheet must not run a cell: text starting with `= + - @` is prefixed with `'`. */
const cell = (value: unknown) => (typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

/**
 * The provider's callbacks (IPN and the payer's return, both anonymous: the signature is the
 * authority) and the staff's reconciliation. The IPN answers in VNPay's format whatever happens.
 */
export async function paymentRoutes(
  app: FastifyInstance,
  deps: { payments: PaymentService; ledger: () => Database; directory: Pick<DirectoryView, 'resolveOrganId'> },
): Promise<void> {
  const { payments } = deps;
  const context = (correlationId: string): Context => ({ correlationId, actor: 'payment-provider:vnpay' });

  app.get<{ Querystring: Record<string, string> }>(
    '/v1/payments/vnpay/ipn',
    {
      config: { auth: 'public' },
      // A malformed query is still answered in VNPay's format.
      attachValidation: true,
      schema: {
        tags,
        summary: "VNPay's server notification (IPN) of an attempt: signature, order and amount checked, recorded whatever it says",
        security: [],
        querystring: callbackQuery,
        response: { 200: ipnAnswer },
      },
    },
    async (request, reply) => {
      const answer = request.validationError
        ? { RspCode: '97', Message: 'Invalid signature' }
        : await payments.notify(request.query, context(String(request.id)));
      return reply.header('cache-control', 'no-store').send(answer);
    },
  );

  app.get<{ Querystring: Record<string, string> }>(
    '/v1/payments/vnpay/return',
    {
      config: { auth: 'public' },
      attachValidation: true,
      schema: {
        tags,
        summary: `The payer's return from VNPay: verified, then 303 to ${PORTAL_PATH}?dossier=&payment=&result=paid|failed|pending|invalid (the IPN decides, not this)`,
        security: [],
        querystring: callbackQuery,
      },
    },
    async (request, reply) => {
      const back = request.validationError
        ? { dossierCode: null, paymentId: null, result: 'invalid' as const }
        : await payments.returned(request.query);
      const query = new URLSearchParams({
        ...(back.dossierCode !== null ? { dossier: back.dossierCode } : {}),
        ...(back.paymentId !== null ? { payment: back.paymentId } : {}),
        result: back.result,
      });
      return reply.header('cache-control', 'no-store').redirect(`${PORTAL_PATH}?${query.toString()}`, 303);
    },
  );

  app.get<{ Querystring: { from: string; to: string; agencyId?: string; format?: 'json' | 'csv'; limit: number } }>(
    '/v1/admin/payments',
    {
      config: { auth: ['admin', 'staff'] },
      schema: {
        tags,
        summary:
          'Reconciliation: every payment attempt (pending, confirmed, failed, paid but not applied) and every refused notification over [from, to] (Vietnam days or ISO instants); staff see their agency',
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: {
            from: { type: 'string', maxLength: 40 },
            to: { type: 'string', maxLength: 40 },
            agencyId: { type: 'string', maxLength: 64 },
            format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
            limit: { type: 'integer', minimum: 1, maximum: 100_000, default: 10_000 },
          },
        },
        response: { 400: problem, 403: problem },
      },
    },
    async (request, reply) => {
      const { principal } = request;
      const from = instant(request.query.from, 'from', false);
      const to = instant(request.query.to, 'to', true);
      if (to.getTime() <= from.getTime())
        throw validationError('to must be after from', [{ path: 'querystring/to', message: 'must be after from' }]);
      const agencyId = scopedAgency(deps.directory, principal, request.query.agencyId, 'payments') ?? null;
      const items = ledgerEntries(deps.ledger(), { from, to, agencyId, limit: request.query.limit });
      if (request.query.format === 'csv') {
        // UTF-8 with a byte-order mark, so that spreadsheets read Vietnamese right.
        const csv = stringify(
          items.map((e) => CSV_COLUMNS.map((c) => cell(e[c]))),
          { header: true, columns: [...CSV_COLUMNS], bom: true, record_delimiter: 'windows', cast: { boolean: (v) => String(v) } },
        );
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="payments-${from.toISOString().slice(0, 10)}.csv"`)
          .send(csv);
      }
      return { from: from.toISOString(), to: to.toISOString(), agencyId, items };
    },
  );
}
