import t from 'tap';
import { isDomainError } from '@lienthong/decider';
import { sampleDocument } from '../test/helpers.js';
import { serviceFixture } from '../test/service-context.js';
import { reportStatus, StatusBody } from './report-status.js';
import { submitDocument } from './submit-document.js';

const json = (value: unknown) => ({ kind: 'json', value }) as const;
/** A short-form status as the route hands it over: through the route's validator. */
const status = (value: unknown) => ({ kind: 'json', value: StatusBody.parse(value) }) as const;

t.test('a recipient’s status goes to the sender; a retry answers the same and appends nothing', async (t) => {
  const { ctx, system, context } = await serviceFixture(t, ['A', 'B', 'C']);
  const sent = await submitDocument(ctx)(json(sampleDocument({ from: 'A', to: ['B', 'C'], documentId: 'E-9' })), system('A'), context);
  const report = reportStatus(ctx);
  const answer = await report(
    sent.documentId,
    status({ statusCode: '03', description: 'đã tiếp nhận', staff: 'Văn thư' }),
    system('B'),
    context,
    'k-1',
  );
  t.equal(answer.documentId, sent.documentId);
  t.same(
    answer.recipients.map((r) => r.organId),
    ['A'],
    'to the sender',
  );
  const [stored] = ctx.view.statusesOf(sent.documentId);
  t.equal(stored?.from, 'B', 'the reporter defaults to the caller’s recipient organisation');
  t.equal(stored?.statusCode, '03');

  const head = await ctx.store.headPosition();
  const again = await report(
    sent.documentId,
    status({ statusCode: '03', description: 'đã tiếp nhận', staff: 'Văn thư' }),
    system('B'),
    context,
    'k-1',
  );
  t.same(again, answer, 'the same answer');
  t.equal(await ctx.store.headPosition(), head, 'nothing appended');

  const byEdxmlId = await report('E-9', status({ statusCode: '05' }), system('C'), context);
  t.equal(byEdxmlId.documentId, sent.documentId, 'the document found by its edXML id among the caller’s');
});

t.test('refusals: an unknown document, a body out of the short form, a party that is not one', async (t) => {
  const { ctx, system, context } = await serviceFixture(t, ['A', 'B', 'C', 'D']);
  const sent = await submitDocument(ctx)(json(sampleDocument({ from: 'A', to: ['B'] })), system('A'), context);
  const report = reportStatus(ctx);
  await t.rejects(report('00000000-0000-4000-8000-000000000000', status({ statusCode: '03' }), system('B'), context), {
    code: 'LT_NOT_FOUND',
  });
  // The short form is the route's validator's (StatusBody): refused before the service is called.
  t.notOk(StatusBody.safeParse({ statusCode: '99' }).success, 'an unknown status code');
  t.same(
    StatusBody.safeParse({ statusCode: '03', to: 'B' }).error?.issues.map((i) => i.path),
    [['to']],
    '`to` only with 13',
  );
  const stranger = await report(sent.documentId, status({ statusCode: '03' }), system('D'), context).catch((e: unknown) => e);
  t.ok(isDomainError(stranger, 'forbidden'), 'the decider refuses a non-party');
  t.same(ctx.view.statusesOf(sent.documentId), [], 'nothing recorded');
});

t.test('a recall (13) from the sender goes to every recipient, or to the one named', async (t) => {
  const { ctx, system, context } = await serviceFixture(t, ['A', 'B', 'C']);
  const sent = await submitDocument(ctx)(json(sampleDocument({ from: 'A', to: ['B', 'C'] })), system('A'), context);
  const report = reportStatus(ctx);
  const all = await report(sent.documentId, status({ statusCode: '13' }), system('A'), context);
  t.same(all.recipients.map((r) => r.organId).sort(), ['B', 'C']);
  const one = await report(sent.documentId, status({ statusCode: '13', to: 'C', description: 'chỉ C' }), system('A'), context);
  t.same(
    one.recipients.map((r) => r.organId),
    ['C'],
  );
});
