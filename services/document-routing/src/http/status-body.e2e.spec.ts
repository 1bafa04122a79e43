/**
 * `POST /v1/documents/:documentId/status` in its short JSON form: one validator (the route's zod
 * schema) refuses a bad body with 400 problem+json naming the field, before the service runs, and
 * the body's JSON Schema is in /docs; edXML bodies are not given to it.
 */
import t from 'tap';
import { get, postJson, sampleDocument, startRoutingHub } from '../test/helpers.js';

t.test('the short status form: refused fields named, schema in /docs', async (t) => {
  const hub = await startRoutingHub();
  t.teardown(() => hub.close());
  await hub.agency('000.00.00.H40');
  await hub.agency('000.00.12.H40');
  const sender = await hub.system(['000.00.00.H40']);
  const recipient = await hub.system(['000.00.12.H40']);
  const sent = await postJson(hub, sender, '/v1/documents', sampleDocument({ from: '000.00.00.H40', to: ['000.00.12.H40'] }));
  t.equal(sent.statusCode, 202, sent.body);
  const { documentId } = sent.json<{ documentId: string }>();
  const url = `/v1/documents/${documentId}/status`;

  const unknownCode = await postJson(hub, recipient, url, { statusCode: '99' });
  t.equal(unknownCode.statusCode, 400);
  t.match(unknownCode.headers['content-type'], /application\/problem\+json/);
  t.match(unknownCode.json(), { status: 400, code: 'LT_VALIDATION', errors: [{ path: 'body/statusCode' }] });

  const toWithout13 = await postJson(hub, recipient, url, { statusCode: '03', to: '000.00.00.H40' });
  t.equal(toWithout13.statusCode, 400);
  t.match(toWithout13.json(), { errors: [{ path: 'body/to', message: /only with statusCode 13/ }] });

  const notAnObject = await postJson(hub, recipient, url, ['03']);
  t.equal(notAnObject.statusCode, 400);

  const ok = await postJson(hub, recipient, url, { statusCode: '03', description: 'đã tiếp nhận', unknown: 'dropped' });
  t.equal(ok.statusCode, 202, ok.body);

  const docs = await get(hub, sender, '/docs/json');
  const body = docs.json<{ paths: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: unknown }> } } }> }>()
    .paths['/v1/documents/{documentId}/status']?.post?.requestBody?.content?.['application/json']?.schema;
  t.match(body, { type: 'object', properties: { statusCode: { enum: Array }, to: { type: 'string' } } }, 'the JSON form is in /docs');
});
