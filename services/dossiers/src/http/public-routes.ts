import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart, { type Multipart } from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { z } from 'zod';
import type { BlobStore } from '@lienthong/blob-store';
import { compileEForm, type CompiledEForm } from '@lienthong/catalog';
import { AppError, PROBLEM_CONTENT_TYPE, problemOf, validationError } from '@lienthong/service-kit';
import type { DossierComponent, DossierFile } from '../domain/events.js';
import type { CitizenRequest } from '../domain/commands.js';
import type { Context, DossierService } from '../dossier-service.js';
import type { ProcedureInForce } from '../projections/catalog-replica.js';
import { ONLINE_MEDIA_TYPES, UploadRefused, storeUpload } from '../online/upload.js';
import type { PaymentService } from '../payments/payment-service.js';

/** Limits of online submission (SPEC §7); a component's `maxSizeMb` may lower the per-file limit. */
export interface OnlineLimits {
  /** Largest file, in bytes (default 10 MB). */
  readonly fileBytes: number;
  /** All files of one submission together (default 50 MB). */
  readonly totalBytes: number;
  /** Files in one submission (default 20). */
  readonly files: number;
  /** Submissions and citizen requests per client (IP) per minute. */
  readonly perMinute: number;
  /** Not-found answers (wrong code or PIN) per client before it is refused for the window. */
  readonly failures: number;
  readonly failureWindowMs: number;
}

export const DEFAULT_ONLINE_LIMITS: OnlineLimits = {
  fileBytes: 10 * 1024 * 1024,
  totalBytes: 50 * 1024 * 1024,
  files: 20,
  perMinute: 120,
  failures: 20,
  failureWindowMs: 15 * 60_000,
};

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must have at most ${max} characters`);
/** The `application` part of `POST /v1/public/dossiers`. */
const applicationSchema = z.strictObject({
  procedureCode: text(64),
  agencyId: text(64),
  applicant: z.strictObject({
    name: text(200),
    idNumber: text(20).optional(),
    phone: text(20).optional(),
    email: z.email('must be an e-mail address').max(200).optional(),
    address: text(500).optional(),
  }),
  form: z.unknown().optional(),
  contact: z.strictObject({ email: z.email('must be an e-mail address').max(200).optional(), phone: text(20).optional() }).optional(),
});
type Application = z.output<typeof applicationSchema>;
const withdrawSchema = z.strictObject({ reason: text(2000) });

const tags = ['citizens'];
const CODE_PATTERN = '^[0-9A-Za-z.-]{1,64}$';
const PIN_PATTERN = '^[0-9A-Za-z]{1,32}$';
const codeParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: CODE_PATTERN } } } as const;
const pinQuery = {
  type: 'object',
  required: ['pin'],
  additionalProperties: false,
  properties: { pin: { type: 'string', pattern: PIN_PATTERN } },
} as const;
const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const NOT_FOUND_BODY = JSON.stringify(problemOf(new AppError('LT_NOT_FOUND', 'no dossier with this code and PIN')));

/**
 * The parts of a multipart request, a body that busboy cannot read (cut short, no boundary, a
 * malformed part header) being the caller's 400, not a 500; the plugin's own limits (413) pass as they are.
 */
async function* readableParts(parts: AsyncIterableIterator<Multipart>): AsyncIterableIterator<Multipart> {
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (error) {
      if (error instanceof AppError || typeof (error as { statusCode?: unknown }).statusCode === 'number') throw error;
      throw validationError(`the multipart body cannot be read: ${(error as Error).message}`, [
        { path: 'body', message: 'must be a complete multipart/form-data body' },
      ]);
    }
    if (next.done) return;
    yield next.value;
  }
}

const fieldsOf = (error: z.ZodError, prefix: string) =>
  error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('/'), message: i.message }));

/**
 * Citizens online (SPEC §7): submission, and with code and PIN their view, supplement,
 * withdrawal and result download. Anonymous and rate limited, in its own encapsulated plugin
 * (multipart and the limiter apply here only); a wrong PIN and an unknown code answer the same 404.
 */
export async function publicDossierRoutes(
  app: FastifyInstance,
  deps: {
    service: DossierService;
    blobs: BlobStore;
    limits?: Partial<OnlineLimits>;
    /** Online payment (SPEC §7); `returnUrl`: where the provider sends the payer back (default: this hub's return route). */
    payments?: { service: PaymentService; returnUrl: string | null };
  },
): Promise<void> {
  const { service, blobs } = deps;
  const limits = { ...DEFAULT_ONLINE_LIMITS, ...deps.limits };
  const clientKey = (request: FastifyRequest) => request.ip;
  await app.register(multipart, {
    // One byte over the portal's limit: storeUpload refuses first, naming the file.
    limits: {
      fileSize: limits.fileBytes + 1,
      files: limits.files,
      fields: 5,
      fieldSize: 256 * 1024,
      parts: limits.files + 5,
      headerPairs: 50,
    },
  });
  await app.register(rateLimit, {
    global: false,
    keyGenerator: clientKey,
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) =>
      new AppError('LT_RATE_LIMITED', `too many requests: retry in ${context.after}`, {
        extensions: { retryAfterSeconds: Math.ceil(context.ttl / 1000) },
      }),
  });
  const rateLimited = { auth: 'public' as const, rateLimit: { max: limits.perMinute, timeWindow: 60_000 } };

  // Failed PIN checks: counted per client, then refused for the rest of the window (as tracking).
  const countFailure = app.createRateLimit({ max: limits.failures, timeWindow: limits.failureWindowMs, keyGenerator: clientKey });
  const blocked = new Map<string, number>();
  const guard = (request: FastifyRequest) => {
    const until = blocked.get(clientKey(request));
    if (until === undefined) return;
    if (until <= Date.now()) blocked.delete(clientKey(request));
    else
      throw new AppError('LT_RATE_LIMITED', 'too many requests without a match', {
        extensions: { retryAfterSeconds: Math.ceil((until - Date.now()) / 1000) },
      });
  };
  const notFound = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const count = await countFailure(request);
    if (!count.isAllowed && count.remaining === 0) {
      blocked.set(clientKey(request), Date.now() + count.ttl);
      if (blocked.size > 100_000) blocked.delete(blocked.keys().next().value!);
    }
    return reply.code(404).header('cache-control', 'no-store').type(PROBLEM_CONTENT_TYPE).send(NOT_FOUND_BODY);
  };
  const context = (request: FastifyRequest): Context => ({ correlationId: String(request.id), actor: 'citizen' });

  /** E-forms compiled once per procedure version. */
  const forms = new Map<string, CompiledEForm>();
  const formOf = (procedure: ProcedureInForce): CompiledEForm | null => {
    const schema = procedure.online.form;
    if (schema === null) return null;
    const key = `${procedure.code}@${procedure.version}`;
    let compiled = forms.get(key);
    if (!compiled) {
      compiled = compileEForm(schema);
      if (forms.size > 1_000) forms.delete(forms.keys().next().value!);
      forms.set(key, compiled);
    }
    return compiled;
  };

  /** Reads the file parts into the blob store, each checked against its component's rules. */
  async function readFiles(
    parts: AsyncIterableIterator<Multipart>,
    procedure: ProcedureInForce,
    allowedComponents?: readonly string[],
  ): Promise<Map<string, DossierFile[]>> {
    const files = new Map<string, DossierFile[]>();
    let total = 0;
    for await (const part of parts) {
      const where = `files/${part.fieldname}`;
      if (part.type !== 'file')
        throw validationError(`unexpected field ${part.fieldname}`, [{ path: where, message: 'must be a file part' }]);
      const component = procedure.online.components.find((c) => c.name === part.fieldname);
      if (!component || (allowedComponents && !allowedComponents.includes(component.name))) {
        part.file.resume();
        throw validationError(`no component ${part.fieldname} in procedure ${procedure.code}`, [
          { path: where, message: `must be one of: ${(allowedComponents ?? procedure.online.components.map((c) => c.name)).join(', ')}` },
        ]);
      }
      const maxBytes = Math.min(
        limits.fileBytes,
        component.maxSizeMb !== undefined ? component.maxSizeMb * 1024 * 1024 : Infinity,
        limits.totalBytes - total,
      );
      try {
        const stored = await storeUpload(blobs, part.file, {
          maxBytes,
          allowed: component.mediaTypes ?? ONLINE_MEDIA_TYPES,
          name: part.filename,
        });
        total += stored.size;
        const name = part.filename.normalize('NFC').slice(0, 255) || component.name;
        files.set(component.name, [
          ...(files.get(component.name) ?? []),
          { sha256: stored.sha256, name, mediaType: stored.mediaType, size: stored.size },
        ]);
      } catch (error) {
        if (error instanceof UploadRefused) {
          part.file.resume();
          const message = `${part.filename}: ${error.message}`;
          if (error.refusal.reason === 'too-large')
            throw new AppError('LT_BODY_TOO_LARGE', `file ${message}`, { errors: [{ path: where, message }] });
          throw validationError(`file ${message}`, [{ path: where, message }]);
        }
        if (error instanceof Error && 'code' in error && error.code === 'FST_REQ_FILE_TOO_LARGE')
          throw new AppError('LT_BODY_TOO_LARGE', `file ${part.filename} is too large`, {
            errors: [{ path: where, message: 'is too large' }],
          });
        throw error;
      }
    }
    return files;
  }

  const components = (files: Map<string, DossierFile[]>): DossierComponent[] => [...files].map(([name, list]) => ({ name, files: list }));

  app.post(
    '/v1/public/dossiers',
    {
      config: rateLimited,
      schema: {
        tags,
        summary: 'Submit a dossier online (multipart: `application` JSON, then one file per component); status 1, channel online',
        security: [],
        consumes: ['multipart/form-data'],
        response: {
          201: {
            description: 'the receipt: dossierCode, lookupPin (shown once), status, statusCode, channel',
            type: 'object',
            additionalProperties: true,
          },
          400: problem,
          413: problem,
          415: problem,
          422: problem,
          429: problem,
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new AppError('LT_UNSUPPORTED_MEDIA_TYPE', 'the submission is multipart/form-data');
      const parts = readableParts(request.parts());
      const first = await parts.next();
      const part = first.done ? undefined : first.value;
      if (part?.type !== 'field' || part.fieldname !== 'application')
        throw validationError('the first part is `application` (JSON)', [{ path: 'application', message: 'must come first' }]);
      let raw: unknown;
      try {
        raw = JSON.parse(String(part.value));
      } catch {
        throw validationError('the application part is not JSON', [{ path: 'application', message: 'must be JSON' }]);
      }
      const parsed = applicationSchema.safeParse(raw);
      if (!parsed.success) throw validationError('the application is invalid', fieldsOf(parsed.error, 'application'));
      const application: Application = parsed.data;
      const { procedure } = service.onlineProcedure(application.procedureCode, application.agencyId);
      const form = formOf(procedure);
      if (form) {
        const issues = form.validate(application.form ?? {});
        if (issues.length > 0)
          throw validationError(
            'the e-form is invalid',
            issues.map((i) => ({ path: `application/form${i.path}`, message: i.message })),
          );
      }
      const files = await readFiles(parts, procedure);
      const missing = procedure.online.components.filter((c) => c.required === true && !files.has(c.name));
      if (missing.length > 0)
        throw validationError(
          `missing files: ${missing.map((c) => c.name).join(', ')}`,
          missing.map((c) => ({ path: `files/${c.name}`, message: 'is required' })),
        );
      const receipt = await service.receiveOnline(
        {
          procedureCode: procedure.code,
          agencyId: application.agencyId,
          applicant: application.applicant,
          contact: application.contact,
          form: application.form,
          components: components(files),
        },
        context(request),
      );
      return reply.code(201).header('cache-control', 'no-store').send(receipt);
    },
  );

  app.get<{ Params: { code: string }; Querystring: { pin: string } }>(
    '/v1/public/dossiers/:code',
    {
      config: rateLimited,
      schema: {
        tags,
        summary: "A citizen's dossier with code and PIN: status, channel, requested supplement, payment due, result files",
        security: [],
        params: codeParams,
        querystring: pinQuery,
        response: { 404: problem, 429: problem },
      },
    },
    async (request, reply) => {
      guard(request);
      const view = await service.citizenView(request.params.code, request.query.pin);
      if (!view) return notFound(request, reply);
      return reply.header('cache-control', 'no-store').send(view);
    },
  );

  const act = async (request: FastifyRequest<{ Params: { code: string }; Querystring: { pin: string } }>, citizen: CitizenRequest) =>
    service.citizenAct(request.params.code, request.query.pin, citizen, context(request));

  app.post<{ Params: { code: string }; Querystring: { pin: string } }>(
    '/v1/public/dossiers/:code/withdraw',
    {
      config: rateLimited,
      schema: {
        tags,
        summary: 'Withdraw a dossier with code and PIN {reason}',
        security: [],
        params: codeParams,
        querystring: pinQuery,
        body: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } } },
        response: { 400: problem, 404: problem, 409: problem, 429: problem },
      },
    },
    async (request, reply) => {
      guard(request);
      const body = withdrawSchema.safeParse(request.body);
      if (!body.success) throw validationError('the withdrawal is invalid', fieldsOf(body.error, 'body'));
      const view = await act(request, { action: 'withdraw', reason: body.data.reason });
      return view ? reply.header('cache-control', 'no-store').send(view) : notFound(request, reply);
    },
  );

  app.post<{ Params: { code: string }; Querystring: { pin: string } }>(
    '/v1/public/dossiers/:code/supplement',
    {
      config: rateLimited,
      schema: {
        tags,
        summary: 'Supplement a dossier with code and PIN (multipart, one file part per component; only in status 5)',
        security: [],
        consumes: ['multipart/form-data'],
        params: codeParams,
        querystring: pinQuery,
        response: { 400: problem, 404: problem, 409: problem, 413: problem, 415: problem, 429: problem },
      },
    },
    async (request, reply) => {
      guard(request);
      const view = await service.citizenView(request.params.code, request.query.pin);
      if (!view) return notFound(request, reply);
      if (view.status !== 'supplement-requested')
        throw new AppError('LT_ACTION_NOT_ALLOWED', `supplement is not allowed in status ${view.status} (${view.statusCode})`, {
          extensions: { dossierCode: view.dossierCode, dossierStatus: view.status, dossierStatusCode: view.statusCode },
        });
      if (!request.isMultipart()) throw new AppError('LT_UNSUPPORTED_MEDIA_TYPE', 'the supplement is multipart/form-data');
      const { procedure } = service.onlineProcedure(view.procedureCode, view.agencyId);
      const files = await readFiles(readableParts(request.parts()), procedure);
      if (files.size === 0)
        throw validationError('the supplement has no file', [{ path: 'files', message: 'must have at least one file' }]);
      const after = await act(request, { action: 'supplement', components: components(files) });
      return after ? reply.header('cache-control', 'no-store').send(after) : notFound(request, reply);
    },
  );

  const { payments } = deps;
  if (payments)
    app.post<{ Params: { code: string }; Querystring: { pin: string } }>(
      '/v1/public/dossiers/:code/payments',
      {
        config: rateLimited,
        schema: {
          tags,
          summary:
            'Pay the fee due with code and PIN (status 6): a new attempt → 201 {paymentId, amount, redirectUrl}; send the payer to redirectUrl (VNPay 2.1.0)',
          security: [],
          params: codeParams,
          querystring: pinQuery,
          response: {
            201: {
              description: 'the attempt: paymentId, dossierCode, amount (VND), attempt, redirectUrl, expiresAt',
              type: 'object',
              additionalProperties: true,
            },
            404: problem,
            409: problem,
            429: problem,
            503: problem,
          },
        },
      },
      async (request, reply) => {
        guard(request);
        const returnUrl = payments.returnUrl ?? `${request.protocol}://${request.host}/v1/payments/vnpay/return`;
        const started = await payments.service.start(
          request.params.code,
          request.query.pin,
          { clientIp: request.ip, returnUrl },
          context(request),
        );
        return started ? reply.code(201).header('cache-control', 'no-store').send(started) : notFound(request, reply);
      },
    );

  app.get<{ Params: { code: string; sha256: string }; Querystring: { pin: string } }>(
    '/v1/public/dossiers/:code/result/:sha256',
    {
      config: rateLimited,
      schema: {
        tags,
        summary: 'Download a result file of a delivered dossier with code and PIN',
        security: [],
        params: {
          type: 'object',
          required: ['code', 'sha256'],
          properties: { code: codeParams.properties.code, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
        },
        querystring: pinQuery,
        response: { 404: problem, 429: problem },
      },
    },
    async (request, reply) => {
      guard(request);
      const view = await service.citizenView(request.params.code, request.query.pin);
      if (!view) return notFound(request, reply);
      const file = view.resultFiles.find((f) => f.sha256 === request.params.sha256);
      if (!file || !(await blobs.has(file.sha256))) throw new AppError('LT_NOT_FOUND', 'no such result file');
      const stat = await blobs.stat(file.sha256);
      return reply
        .type(file.mediaType)
        .header('cache-control', 'private, no-store')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .header('content-length', String(stat?.size ?? ''))
        .send(await blobs.get(file.sha256));
    },
  );
}
