import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { codeSequenceDecider as decider, formatDossierCode } from './code-sequence-decider.js';

const A = '000.00.12.H40';
const issue = { type: 'IssueCode', data: { agencyId: A, day: '260309' } } as const;
const issued = (sequence: number) =>
  ({
    type: 'DossierCodeIssued',
    data: { agencyId: A, day: '260309', sequence, dossierCode: formatDossierCode(A, '260309', sequence) },
  }) as const;

t.test('the first code of a day is 0001, then each follows the last issued', async (t) => {
  spec(decider)
    .given([])
    .when(issue)
    .then(t, [issued(1)]);
  t.equal(issued(1).data.dossierCode, `${A}-260309-0001`);
  spec(decider)
    .given([issued(1), issued(2)])
    .when(issue)
    .then(t, [issued(3)]);
  // the state is the last event's number: folding only the last event gives the same answer
  spec(decider)
    .given([issued(41)])
    .when(issue)
    .then(t, [issued(42)]);
});

t.test('past 9999 the number grows to five digits', async (t) => {
  t.equal(formatDossierCode(A, '260309', 10000), `${A}-260309-10000`);
});
