import t from 'tap';
import { DomainError, DomainErrorKind } from '@lienthong/decider';
import { problemOf, toAppError } from './problem.js';

t.test('each domain refusal kind has its status and code, the message as detail', async (t) => {
  const expected = {
    'not-found': [404, 'LT_NOT_FOUND'],
    forbidden: [403, 'LT_FORBIDDEN'],
    invalid: [400, 'LT_VALIDATION'],
    duplicate: [409, 'LT_DUPLICATE'],
    conflict: [409, 'LT_CONFLICT'],
    'not-allowed': [409, 'LT_ACTION_NOT_ALLOWED'],
    'concurrent-update': [409, 'LT_CONCURRENT_UPDATE'],
    'idempotency-mismatch': [409, 'LT_IDEMPOTENCY_MISMATCH'],
    unprocessable: [422, 'LT_UNPROCESSABLE'],
  } as const;
  t.strictSame(Object.keys(expected).sort(), Object.values(DomainErrorKind).sort(), 'every kind is covered');
  for (const [kind, [status, code]] of Object.entries(expected)) {
    const app = toAppError(new DomainError(kind as DomainErrorKind, `refused: ${kind}`));
    t.equal(app.status, status, kind);
    t.equal(app.code, code, kind);
    t.equal(app.message, `refused: ${kind}`, kind);
  }
});

t.test("a refusal's facts are extension members; its fields are the body's; a fact never replaces a standard member", async (t) => {
  const facts = {
    dossierCode: 'C1',
    dossierStatus: 'processing',
    dossierStatusCode: 4,
    allowedActions: ['complete'],
    status: 'processing',
  };
  const problem = problemOf(toAppError(new DomainError('not-allowed', 'accept is not allowed', { facts })));
  t.match(problem, {
    status: 409,
    code: 'LT_ACTION_NOT_ALLOWED',
    dossierCode: 'C1',
    dossierStatus: 'processing',
    dossierStatusCode: 4,
    allowedActions: ['complete'],
  });
  const invalid = problemOf(
    toAppError(
      new DomainError('invalid', 'receivedAt is in the future', {
        fields: [{ field: 'receivedAt', message: 'must not be in the future' }],
      }),
    ),
  );
  t.strictSame(invalid.errors, [{ path: 'body/receivedAt', message: 'must not be in the future' }]);
  t.notOk('errors' in problemOf(toAppError(new DomainError('invalid', 'no roles'))), 'no fields, no errors member');
});
