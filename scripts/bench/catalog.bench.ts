/**
 * Catalog search over 5,000 generated procedures with realistic Vietnamese names:
 * 1. the read model's search (in-memory index of the procedures in force, synced from the SQLite
 *    read model by generation before each call; ranked, counted), called directly;
 * 2. the same through the HTTP route (`app.inject`, a real test hub after a CSV import);
 * against two baselines measured in the same run on the same data:
 *   a. plain SQL: `name_folded LIKE '%term%'` per term, ordered by name, with a count;
 *   b. a raw array filter: every folded name tested with `includes`, sorted, sliced.
 * Each query of the mix is run in rotation; p50/p99 are over every call after a warm-up.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RecordedEvent } from '@lienthong/event-store';
import { startTestHub } from '@lienthong/platform/testing';
import { directoryModule } from '@lienthong/platform';
import { catalogModule, foldText, procedureProjection, procedureView } from '@lienthong/catalog';
import type { SearchQuery } from '@lienthong/catalog';
import { generateProcedures, toCsv } from '@lienthong/catalog/testing';
import { round } from './types.js';
import type { BenchContext, BenchReport, Metric, Target } from './types.js';

const N = 5000;

/** What people type in the search box, with and without diacritics, plus filters and codes. */
const QUERIES: Omit<SearchQuery, 'limit' | 'offset'>[] = [
  { q: 'đăng ký khai sinh' },
  { q: 'dang ky khai sinh' },
  { q: 'ĐĂNG KÝ' },
  { q: 'khai sinh' },
  { q: 'cap giay phep xay dung' },
  { q: 'giấy phép' },
  { q: 'dat' },
  { q: 'd' },
  { q: 'quyen su dung dat', level: 'province' },
  { q: 'tro cap', field: 'Lao động, thương binh và xã hội' },
  { q: 'ho kinh doanh tam ngung' },
  { q: 'nuoc ngoai' },
  { q: '1.1000' },
  { q: '2.100007' },
  { field: 'Hộ tịch' },
  { level: 'commune' },
  {},
];

function percentiles(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

async function measure(rounds: number, run: (query: (typeof QUERIES)[number]) => unknown): Promise<number[]> {
  for (const q of QUERIES) await run(q); // warm-up: statements prepared, pages cached
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++)
    for (const q of QUERIES) {
      const t0 = performance.now();
      await run(q);
      samples.push(performance.now() - t0);
    }
  return samples;
}

function readModel(file: string, procedures: ReturnType<typeof generateProcedures>): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  procedureProjection.init(db);
  db.transaction(() => {
    procedures.forEach(({ code, ...record }, i) => {
      const event = {
        id: `e${i}`,
        stream: `procedure-${code}`,
        revision: 0,
        position: i + 1,
        type: 'ProcedurePublished',
        data: { code, version: 1, ...record },
        metadata: { correlationId: 'bench', actor: 'admin', at: new Date().toISOString() },
        prevHash: '',
        hash: '',
      } satisfies RecordedEvent;
      procedureProjection.apply(db, event);
    });
  })();
  return db;
}

export default async function catalogBench(ctx: BenchContext): Promise<BenchReport> {
  const rounds = ctx.quick ? 30 : 300;
  const procedures = generateProcedures(N);
  const db = readModel(join(ctx.tmpDir, 'procedures.sqlite'), procedures);
  const view = procedureView(() => db);
  const page = { limit: 20, offset: 0 };
  const hits = QUERIES.map((q) => view.search({ ...q, ...page }).total);
  ctx.log(`read model: ${N} procedures; hits per query: ${hits.join(' ')}`);

  // 1. the search as the route runs it
  const direct = percentiles(await measure(rounds, (q) => view.search({ ...q, ...page })));

  // a. plain SQL LIKE over the same table (no ranking beyond the name order)
  const likeSql = (terms: number) =>
    `SELECT code, record, count(*) OVER () AS total FROM procedures WHERE retired = 0 ${'AND name_folded LIKE ? '.repeat(terms)}
     AND (? IS NULL OR field_folded = ?) AND (? IS NULL OR instr(levels, ?) > 0) ORDER BY name LIMIT 20`;
  const likeStatements = new Map<number, Database.Statement>();
  const like = percentiles(
    await measure(rounds, (q) => {
      const terms = q.q ? foldText(q.q).split(' ') : [];
      let stmt = likeStatements.get(terms.length);
      if (!stmt) likeStatements.set(terms.length, (stmt = db.prepare(likeSql(terms.length))));
      const field = q.field ? foldText(q.field) : null;
      const level = q.level ? `,${q.level},` : null;
      return stmt
        .all(...terms.map((t) => `%${t}%`), field, field, level, level)
        .map((r) => JSON.parse((r as { record: string }).record) as unknown);
    }),
  );

  // b. raw array filter over objects in memory
  const rows = procedures.map((p) => ({ p, name: foldText(p.name), field: foldText(p.field) }));
  const array = percentiles(
    await measure(rounds, (q) => {
      const terms = q.q ? foldText(q.q).split(' ') : [];
      const field = q.field ? foldText(q.field) : null;
      const matched = rows.filter(
        (r) =>
          terms.every((t) => r.name.includes(t)) &&
          (field === null || r.field === field) &&
          (!q.level || r.p.agencyLevels.includes(q.level)),
      );
      matched.sort(
        (a, b) => Number(b.name.startsWith(terms.join(' '))) - Number(a.name.startsWith(terms.join(' '))) || a.name.localeCompare(b.name),
      );
      return { total: matched.length, items: matched.slice(0, 20).map((r) => r.p) };
    }),
  );

  // 2. through the HTTP route of a real hub
  const hub = await startTestHub([directoryModule, catalogModule], { dataDir: join(ctx.tmpDir, 'hub') });
  let http: ReturnType<typeof percentiles>;
  try {
    const t0 = performance.now();
    const res = await hub.app.inject({
      method: 'POST',
      url: '/v1/admin/catalog/import',
      headers: { ...hub.admin, 'content-type': 'text/csv' },
      payload: toCsv(procedures),
    });
    if (res.statusCode !== 200) throw new Error(`import → ${res.statusCode} ${res.body.slice(0, 300)}`);
    ctx.log(`imported ${N} procedures through the API in ${Math.round(performance.now() - t0)} ms`);
    const urls = new Map(
      QUERIES.map((q) => [
        q,
        `/v1/catalog/procedures?${new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined)).toString()}`,
      ]),
    );
    http = percentiles(
      await measure(Math.ceil(rounds / 3), async (q) => {
        const r = await hub.app.inject({ method: 'GET', url: urls.get(q)! });
        if (r.statusCode !== 200) throw new Error(`${urls.get(q)} → ${r.statusCode}`);
      }),
    );
  } finally {
    await hub.close();
    db.close();
  }

  const ms = (value: number): Metric => ({ value: round(value, 3), unit: 'ms' });
  const targets: Target[] = [
    { name: `search p99 over ${N} procedures, in process (ms, at most)`, target: 5, actual: round(direct.p99), met: direct.p99 < 5 },
  ];
  return {
    name: 'catalog',
    metrics: {
      'search.p50': ms(direct.p50),
      'search.p99': ms(direct.p99),
      'search.mean': ms(direct.mean),
      'http.search.p50': ms(http.p50),
      'http.search.p99': ms(http.p99),
    },
    baseline: {
      'sqlLike.p50': ms(like.p50),
      'sqlLike.p99': ms(like.p99),
      'arrayFilter.p50': ms(array.p50),
      'arrayFilter.p99': ms(array.p99),
    },
    ratios: {
      'search.p99/sqlLike.p99': round(direct.p99 / like.p99),
      'search.p99/arrayFilter.p99': round(direct.p99 / array.p99),
      'search.p50/sqlLike.p50': round(direct.p50 / like.p50),
    },
    targets,
    notes: [
      `${QUERIES.length} queries in rotation x ${rounds} rounds (HTTP: ${Math.ceil(rounds / 3)}), limit 20, total counted; hits per query: ${hits.join(' ')}`,
      'search: every folded term a word prefix of name or field, or a code prefix; scored (code, name equality/prefix/phrase), then shorter name, then code; best page selected while scanning',
      'baselines rank less (LIKE: name order; array: name-prefix then name order) and match substrings rather than word prefixes',
    ],
  };
}
