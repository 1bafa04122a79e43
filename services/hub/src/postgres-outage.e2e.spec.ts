/**
 * Writes in flight while PostgreSQL stops (fast shutdown), crashes (immediate) and comes back, at
 * several points of a steady load: the hub (a real process on `LT_EVENTSTORE=postgres://…`) answers
 * every write within a bound, 2xx or 503 problem+json, never a hang, a dropped connection or a
 * 500; after the server returns each refused write, retried with its Idempotency-Key, succeeds
 * once, and the hash chains verify.
 */
import t from 'tap';
import { eventually, requirePostgres, startPostgres } from '@lienthong/testing';
import { receipt, setUpDirectory, startHubOnPostgres } from './test/hub-on-postgres.js';
import { AGENCY, SENDER, call, sampleDocument, type Answer } from './test/replicas.js';

const ADMIN = 'postgres-outage-admin-token-0123456789';
/** Every write answers within this (ms): the store's connect timeout is 5 s. */
const ANSWER_BOUND_MS = 10_000;

const document = (subject: string) => sampleDocument(12, SENDER, AGENCY, subject);

interface Write {
  readonly key: string;
  readonly path: string;
  readonly token: string;
  readonly body: unknown;
  readonly answers: Answer[];
  /** 'up' before the stop was asked, 'down' after, 'back' once the server started again. */
  readonly phase: string;
}

t.test('PostgreSQL stopped, crashed and started again under steady writes: every write answered in time, 2xx or 503', async (t) => {
  if (!requirePostgres(t)) return;
  const pg = await startPostgres();
  t.teardown(() => pg.stop());
  const hub = await startHubOnPostgres(t, await pg.createDatabase('hub'), 'lt-hub-pg-outage-', ADMIN);
  const base = hub.url;

  // 1. directory, credentials, catalog
  const { clerk, system } = await setUpDirectory(t, base, ADMIN);
  const sender = await system([SENDER]);

  // 2. outages at several points of a steady load: writers keep sending new keyed writes throughout
  const writes: Write[] = [];
  const outages: Array<{ how: 'stop' | 'crash'; afterMs: number }> = [
    { how: 'stop', afterMs: 0 },
    { how: 'crash', afterMs: 120 },
    { how: 'stop', afterMs: 400 },
    { how: 'crash', afterMs: 30 },
  ];
  for (const [round, outage] of outages.entries()) {
    let phase = 'up';
    let running = true;
    let n = 0;
    const writer = async (w: number): Promise<void> => {
      while (running) {
        const i = n++;
        const dossier = (w + i) % 3 !== 0;
        const write: Write = {
          key: `r${round}-w${w}-${i}`,
          path: dossier ? '/v1/dossiers' : '/v1/documents',
          token: dossier ? clerk.token : sender,
          body: dossier ? receipt : document(`Văn bản ${round}-${w}-${i}`),
          answers: [],
          phase,
        };
        writes.push(write);
        write.answers.push(
          await call(base, 'POST', write.path, write.token, write.body, { 'idempotency-key': write.key }, ANSWER_BOUND_MS * 2),
        );
        if (phase === 'down') await new Promise((r) => setTimeout(r, 50));
      }
    };
    const writers = Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
    await new Promise((r) => setTimeout(r, outage.afterMs));
    phase = 'down';
    await (outage.how === 'stop' ? pg.stop() : pg.crash());
    await new Promise((r) => setTimeout(r, 1_500));
    await pg.start();
    phase = 'back';
    await eventually(
      async () => writes.some((w) => w.phase === 'back' && w.answers.some((a) => a.status >= 200 && a.status < 300)),
      30_000,
      `round ${round}: writes succeed again`,
    );
    running = false;
    await writers;
  }

  // 3. every answer in time, 2xx or 503 problem+json
  const answers = writes.flatMap((w) => w.answers.map((a) => ({ w, a })));
  const wrong = answers.filter(
    ({ a }) =>
      a.ms > ANSWER_BOUND_MS ||
      !(
        (a.status >= 200 && a.status < 300) ||
        (a.status === 503 && a.type.startsWith('application/problem+json') && a.body?.status === 503)
      ),
  );
  t.same(
    wrong.map(
      ({ w, a }) => `${w.key} (${w.phase}) ${w.path}: ${a.status} in ${Math.round(a.ms)} ms ${JSON.stringify(a.body).slice(0, 200)}`,
    ),
    [],
    `every write answered within ${ANSWER_BOUND_MS} ms, 2xx or 503 problem+json (${answers.length} answers)`,
  );
  const refused = writes.filter((w) => !(w.answers[0]!.status >= 200 && w.answers[0]!.status < 300));
  t.ok(refused.length > 0, `writes were refused while the server was down (${refused.length})`);
  t.comment(`slowest answer ${Math.round(Math.max(...answers.map(({ a }) => a.ms)))} ms; ${refused.length} refused of ${writes.length}`);

  // 4. each refused write succeeds on retry with its key; each write once
  for (const w of refused) {
    await eventually(
      async () => {
        const a = await call(base, 'POST', w.path, w.token, w.body, { 'idempotency-key': w.key }, ANSWER_BOUND_MS * 2);
        w.answers.push(a);
        return a.status >= 200 && a.status < 300;
      },
      30_000,
      `${w.key} succeeds after the server returned`,
    );
  }
  const dossiers = writes.filter((w) => w.path === '/v1/dossiers');
  const codes = new Set(dossiers.map((w) => (w.answers.find((a) => a.status === 201)?.body as { dossierCode?: string })?.dossierCode));
  t.equal(codes.size, dossiers.length, 'one dossier per key');
  t.notOk(codes.has(undefined), 'every keyed receipt answered with its code');
  for (const w of dossiers.slice(0, 5)) {
    const again = await call(base, 'POST', w.path, w.token, w.body, { 'idempotency-key': w.key }, ANSWER_BOUND_MS * 2);
    t.equal(
      (again.body as { dossierCode: string }).dossierCode,
      (w.answers.find((a) => a.status === 201)?.body as { dossierCode: string }).dossierCode,
      `${w.key}: a replay answers the same code`,
    );
  }
  const verified = await call(base, 'POST', '/v1/admin/audit/verify', ADMIN, {});
  t.match(verified.body, { ok: true }, `every hash chain verifies (${JSON.stringify(verified.body).slice(0, 300)})`);
});
