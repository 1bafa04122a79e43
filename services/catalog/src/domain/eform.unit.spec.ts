import t from 'tap';
import { compileEForm, eformSchemaIssues } from './eform.js';

t.test('a usable e-form has no issues; compiled, it names failing fields by JSON pointer', async (t) => {
  const schema = {
    type: 'object',
    required: ['hoTen'],
    properties: { hoTen: { type: 'string', minLength: 2 }, tuoi: { type: 'integer', minimum: 0 } },
  };
  t.same(eformSchemaIssues(schema), []);
  const form = compileEForm(schema);
  t.same(form.validate({ hoTen: 'An', tuoi: 3 }), []);
  const issues = form.validate({ tuoi: -1 });
  t.same(issues.map((i) => i.path).sort(), ['/hoTen', '/tuoi']);
  t.same(
    form.validate('x').map((i) => i.path),
    [''],
  );
});

t.test('broken schemas are named, never thrown', async (t) => {
  t.match(eformSchemaIssues(null), [{ path: '' }]);
  t.match(eformSchemaIssues({ type: 'array' }), [{ path: '/type' }]);
  t.match(eformSchemaIssues({ type: 'object', properties: { a: { $ref: '#/nope' } } }), [{ message: /does not compile/ }]);
  t.match(eformSchemaIssues({ type: 'object', properties: { 'a/b': { $ref: 'http://x/y' } } }), [{ path: '/properties/a~1b/$ref' }]);
  t.match(eformSchemaIssues({ type: 'object', properties: { a: { type: 'string', pattern: '(' } } }), [{ path: '' }]);
  t.match(eformSchemaIssues({ type: 'object', description: 'x'.repeat(70_000) }), [{ message: /at most/ }]);
});
