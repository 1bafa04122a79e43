import t from 'tap';
import { DossierActions } from '../domain/rules.js';
import { startDossiersHub } from '../test-helpers.js';

const A = '000.00.12.H40';

t.test('each action is a route with its own body schema, in /docs, and the only validator of the body', async (t) => {
  const hub = await startDossiersHub();
  t.teardown(() => hub.close());
  await hub.agency(A);
  await hub.publishProcedure('1.004227', 3);
  const clerk = await hub.staff(A, ['clerk']);
  const leader = await hub.staff(A, ['leader']);

  // 1. the OpenAPI document shows every action's body
  const paths = (await hub.app.inject('/docs/json')).json().paths as Record<
    string,
    { post?: { requestBody?: { content: Record<string, { schema: any }> } } }
  >;
  for (const action of DossierActions) {
    const schema = paths[`/v1/dossiers/{code}/actions/${action}`]?.post?.requestBody?.content['application/json']?.schema;
    t.equal(schema?.type, 'object', `${action}: a body schema in /docs`);
    t.equal(schema?.additionalProperties, false, `${action}: unknown members refused`);
  }
  const apologize = paths['/v1/dossiers/{code}/actions/apologize']!.post!.requestBody!.content['application/json']!.schema;
  t.strictSame([...apologize.required].sort(), ['newDueAt', 'reason']);

  // 2. the schema refuses, naming body fields
  const code = (
    await hub.inject('POST', '/v1/dossiers', clerk, {
      procedureCode: '1.004227',
      agencyId: A,
      applicant: { name: 'Lê Thị B' },
      channel: 'counter',
    })
  ).json().dossierCode as string;
  const act = (who: Record<string, string>, action: string, body?: unknown) =>
    hub.inject('POST', `/v1/dossiers/${code}/actions/${action}`, who, body);
  const paths400 = async (action: string, body: unknown) => {
    const res = await act(leader, action, body);
    t.equal(res.statusCode, 400, `${action} ${JSON.stringify(body)}`);
    t.equal(res.json().code, 'LT_VALIDATION');
    return [...new Set((res.json().errors as { path: string }[]).map((e) => e.path))].sort();
  };
  t.strictSame(await paths400('apologize', { reason: '' }), ['body/newDueAt', 'body/reason']);
  t.strictSame(await paths400('apologize', { reason: 'r', newDueAt: 'tomorrow' }), ['body/newDueAt']);
  t.strictSame(await paths400('reject', { reason: '   ' }), ['body/reason'], 'blank text is no text');
  t.strictSame(await paths400('reject', { reason: 'r', reasn: 'typo' }), ['body/reasn'], 'a typo cannot pass silently');
  t.strictSame(await paths400('request-payment', { amount: -1 }), ['body/amount']);
  t.ok(
    (await paths400('supplement', { components: [{ name: 'x', copies: 0 }] })).every((p) => p.startsWith('body/components/0')),
    'a component is a name or {name, copies 1–100}',
  );

  // 3. a JSON body is taken as sent: no type is coerced (a query string's would be)
  t.strictSame(await paths400('request-payment', { amount: '12' }), ['body/amount'], 'text is no number');
  t.strictSame(await paths400('accept', { note: 5 }), ['body/note'], 'a number is no text');
  t.strictSame(await paths400('reject', { reason: true }), ['body/reason'], 'a boolean is no text');
  t.strictSame(await paths400('reject', { reason: ['r'] }), ['body/reason'], 'a one-item list is no text');
  t.strictSame(await paths400('request-supplement', { reason: 'r', items: 'x' }), ['body/items'], 'a text is no list');
  t.ok(
    (await paths400('supplement', { components: [{ name: 'x', copies: '2' }] })).every((p) => p.startsWith('body/components/0')),
    'text is no count',
  );
  t.strictSame(await paths400('accept', { note: `  ${'n'.repeat(2001)}  ` }), ['body/note'], 'over the limit once trimmed');

  // 4. accepted bodies: none at all, and text trimmed before its length is checked
  t.equal((await act(clerk, 'accept')).statusCode, 200, 'no body: an empty one');
  t.strictSame(await paths400('assign', { department: ` ${'d'.repeat(201)} ` }), ['body/department'], 'over the limit once trimmed');
  const department = 'd'.repeat(200);
  const assigned = await act(clerk, 'assign', { officer: '  cv.an  ', department: `  ${department}\n` });
  t.equal(assigned.statusCode, 200, 'the limit counts the text without its surrounding spaces');
  t.equal(assigned.json().officer, 'cv.an', 'text is trimmed');
  t.equal(assigned.json().department, department);
});
