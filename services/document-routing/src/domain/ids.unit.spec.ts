import t from 'tap';
import { documentIdFor, documentKeyOf, statusKeyOf } from './ids.js';

t.test('what makes two submissions one document', async (t) => {
  t.equal(documentKeyOf('k-1', 'DOC-1', 0, 'aa'), 'k-1', 'an Idempotency-Key wins');
  t.equal(
    documentKeyOf(undefined, 'DOC-1', 0, 'aa'),
    documentKeyOf(undefined, 'DOC-1', 0, 'bb'),
    'the edXML DocumentId, whatever the bytes',
  );
  t.not(documentKeyOf(undefined, 'DOC-1', 0, 'aa'), documentKeyOf(undefined, 'DOC-1', 2, 'aa'), 'an update of DOC-1 is another message');
  t.not(documentKeyOf(undefined, null, 0, 'aa'), documentKeyOf(undefined, null, 0, 'bb'), 'no DocumentId: the body');
  t.not(documentIdFor('H40', 'k-1'), documentIdFor('H41', 'k-1'), 'keys are per sender');
});

t.test('what makes two status reports one', async (t) => {
  t.equal(statusKeyOf('k-1', 'aa'), 'k-1');
  t.equal(statusKeyOf(undefined, 'aa'), statusKeyOf(undefined, 'aa'));
  t.not(statusKeyOf(undefined, 'aa'), statusKeyOf(undefined, 'bb'));
});
