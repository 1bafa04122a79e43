import t from 'tap';
import { notInForceMessage, procedureInForce, procedureLookupAt, procedureVersions } from './in-force.js';

const rec = {
  name: 'X',
  field: 'F',
  agencyLevels: ['commune'],
  processingDays: 1,
  fees: [],
  components: [],
  result: null,
  legalBasis: [],
  onlineLevel: 'full',
};
/** As stored before `effectiveFrom` existed: in force from its own time. */
const pub = (version: number, at: string) => ({
  type: 'ProcedurePublished',
  data: { code: '1.000001', version, ...rec },
  metadata: { at },
});
const pubFrom = (version: number, at: string, effectiveFrom: string) => ({
  type: 'ProcedurePublished',
  data: { code: '1.000001', version, ...rec, effectiveFrom },
  metadata: { at },
});
const ret = (version: number, at: string) => ({ type: 'ProcedureRetired', data: { code: '1.000001', version }, metadata: { at } });

const history = [
  pub(1, '2026-01-01T00:00:00.000Z'),
  pub(2, '2026-02-01T00:00:00.000Z'),
  ret(2, '2026-03-01T00:00:00.000Z'),
  pub(3, '2026-04-01T00:00:00.000Z'),
];

t.test('the version in force at an instant', async (t) => {
  const at = (iso: string) => procedureInForce(history, iso)?.procedure.version ?? null;
  t.equal(at('2025-12-31T23:59:59.999Z'), null, 'before the first publication');
  t.equal(at('2026-01-01T00:00:00.000Z'), 1, 'at the publication instant');
  t.equal(at('2026-01-31T00:00:00.000Z'), 1);
  t.equal(at('2026-02-15T00:00:00.000Z'), 2);
  t.equal(at('2026-03-01T00:00:00.000Z'), null, 'retired at that instant');
  t.equal(at('2026-03-15T00:00:00.000Z'), null, 'retired');
  t.equal(at('2026-05-01T00:00:00.000Z'), 3, 'republished');
  t.equal(procedureInForce(history, new Date('2026-02-15T00:00:00Z'))?.publishedAt, '2026-02-01T00:00:00.000Z', 'publishedAt, Date input');
  t.equal(
    procedureInForce(history, new Date('2026-02-15T00:00:00Z'))?.effectiveFrom,
    '2026-02-01T00:00:00.000Z',
    'no effectiveFrom stored: the event time',
  );
  t.equal(procedureInForce([], '2026-01-01T00:00:00Z'), null, 'no events');
  t.throws(() => procedureInForce(history, 'not a date'), RangeError);
});

t.test('version history', async (t) => {
  t.same(procedureVersions(history), [
    { version: 1, publishedAt: '2026-01-01T00:00:00.000Z', effectiveFrom: '2026-01-01T00:00:00.000Z', retiredAt: null },
    {
      version: 2,
      publishedAt: '2026-02-01T00:00:00.000Z',
      effectiveFrom: '2026-02-01T00:00:00.000Z',
      retiredAt: '2026-03-01T00:00:00.000Z',
    },
    { version: 3, publishedAt: '2026-04-01T00:00:00.000Z', effectiveFrom: '2026-04-01T00:00:00.000Z', retiredAt: null },
  ]);
  t.equal(
    procedureVersions([pubFrom(1, '2026-12-06T03:00:00.000Z', '2025-01-01T00:00:00.000Z')])[0]?.effectiveFrom,
    '2025-01-01T00:00:00.000Z',
  );
});

t.test('chosen by the legal effective date, not by when it was typed in', async (t) => {
  // Typed in on 6 December, in force by law since 2025; a postal dossier dated 20 November.
  const typedLate = [pubFrom(1, '2026-12-06T03:00:00.000Z', '2024-12-31T17:00:00.000Z')];
  const nov20 = '2026-11-20T02:00:00.000Z';
  t.match(procedureLookupAt(typedLate, nov20), { found: true, procedure: { version: 1 }, effectiveFrom: '2024-12-31T17:00:00.000Z' });
  t.match(procedureLookupAt(typedLate, '2024-12-31T16:59:59.999Z'), {
    found: false,
    reason: 'not-yet-in-force',
    from: '2024-12-31T17:00:00.000Z',
  });

  // Default effective date (the PUT's time): before it, not yet in force, never "retired".
  const typedNow = [pub(1, '2026-12-06T03:00:00.000Z')];
  const early = procedureLookupAt(typedNow, nov20);
  t.same(early, { found: false, reason: 'not-yet-in-force', from: '2026-12-06T03:00:00.000Z' });
  t.equal(
    notInForceMessage('1.000001', new Date(nov20), early.found ? { reason: 'unknown' } : early),
    'procedure 1.000001 is not yet in force at 2026-11-20T02:00:00.000Z (in force from 2026-12-06T03:00:00.000Z)',
  );

  // An amendment scheduled for 2027 and a later correction of the current version: each applies from its date.
  const amended = [
    pubFrom(1, '2026-01-05T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    pubFrom(2, '2026-02-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'),
    pubFrom(3, '2026-06-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'),
  ];
  const v = (at: string) => procedureInForce(amended, at)?.procedure.version ?? null;
  t.equal(v('2025-12-31T00:00:00.000Z'), null);
  t.equal(v('2026-03-01T00:00:00.000Z'), 1, 'v1 before the correction took effect (v2 not yet in force)');
  t.equal(v('2026-07-01T00:00:00.000Z'), 3, 'the correction');
  t.equal(v('2027-01-02T00:00:00.000Z'), 2, 'the amendment is not undone by a correction typed in later');
  // Equal dates: the later publication (a correction) wins.
  t.equal(
    procedureInForce([...amended, pubFrom(4, '2026-07-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z')], '2026-07-01T00:00:00.000Z')
      ?.procedure.version,
    4,
  );
});

t.test('retirement ends every earlier version from the retirement time', async (t) => {
  const events = [
    pubFrom(1, '2026-01-05T00:00:00.000Z', '2025-01-01T00:00:00.000Z'),
    ret(1, '2026-03-01T00:00:00.000Z'),
    pubFrom(2, '2026-05-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'),
  ];
  t.match(procedureLookupAt(events, '2026-02-01T00:00:00.000Z'), { found: true, procedure: { version: 1 } }, 'before the retirement');
  const retired = procedureLookupAt(events, '2026-04-01T00:00:00.000Z');
  t.same(retired, { found: false, reason: 'retired', retiredAt: '2026-03-01T00:00:00.000Z', againFrom: '2026-06-01T00:00:00.000Z' });
  t.match(
    notInForceMessage('1.000001', new Date('2026-04-01T00:00:00.000Z'), retired.found ? { reason: 'unknown' } : retired),
    /^procedure 1\.000001 was retired at 2026-03-01T00:00:00\.000Z/,
  );
  t.same(procedureLookupAt(events.slice(0, 2), '2027-01-01T00:00:00.000Z'), {
    found: false,
    reason: 'retired',
    retiredAt: '2026-03-01T00:00:00.000Z',
  });
  t.match(
    procedureLookupAt(events, '2026-07-01T00:00:00.000Z'),
    { found: true, procedure: { version: 2 } },
    'republished, in force from its date',
  );
  t.same(procedureLookupAt([], '2026-07-01T00:00:00.000Z'), { found: false, reason: 'unknown' });
});
