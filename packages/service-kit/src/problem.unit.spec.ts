import t from 'tap';
import { AppError, PROBLEM_MEMBERS, type ProblemExtensions } from './errors.js';
import { problemOf } from './problem.js';

t.test('an extension never overwrites a standard member', async (t) => {
  // What a type error forbids, a cast could still pass: the renderer must hold on its own.
  const hostile = Object.fromEntries(PROBLEM_MEMBERS.map((name) => [name, `from the extension: ${name}`])) as unknown as ProblemExtensions;
  const problem = problemOf(
    new AppError('LT_ACTION_NOT_ALLOWED', 'complete is not allowed in status new', { extensions: { ...hostile, dossierStatus: 'new' } }),
  );
  t.equal(problem.status, 409);
  t.equal(problem.type, 'urn:lienthong:problem:action-not-allowed');
  t.equal(problem.title, 'Action not allowed in the current status');
  t.equal(problem.detail, 'complete is not allowed in status new');
  t.equal(problem.code, 'LT_ACTION_NOT_ALLOWED');
  for (const name of ['instance', 'correlationId', 'errors']) t.notOk(name in problem, `no ${name} taken from the extensions`);
  t.equal(problem.dossierStatus, 'new', 'other extensions are kept');
});

t.test('the type of extensions refuses standard member names', async (t) => {
  // @ts-expect-error `status` is the HTTP status, not an extension
  const error = new AppError('LT_CONFLICT', 'x', { extensions: { status: 'new' } });
  t.equal(problemOf(error).status, 409);
});
