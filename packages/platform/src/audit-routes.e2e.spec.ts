import Database from 'better-sqlite3';
import { join } from 'node:path';
import t from 'tap';
import { directoryModule } from './directory-module.js';
import { startTestHub, type TestHub } from './testing.js';

type Inject = (
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  headers?: Record<string, string>,
) => Promise<{ statusCode: number; json(): any; body: string; headers: Record<string, unknown> }>;
const injector =
  (hub: TestHub): Inject =>
  (method, url, payload, headers = hub.admin) =>
    hub.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

/** Replaces one character of a text column of one event row, in the file, with the hub stopped. */
function alterByte(dataDir: string, position: number, column: 'data' | 'metadata' | 'type' | 'hash' | 'prev_hash', index = 5): void {
  const db = new Database(join(dataDir, 'events.sqlite'));
  const row = db.prepare(`SELECT ${column} AS v FROM events WHERE position = ?`).get(position) as { v: string };
  const old = row.v[index]!;
  const replacement = old === 'a' ? 'b' : /[0-9]/.test(old) ? String((Number(old) + 1) % 10) : 'a';
  db.prepare(`UPDATE events SET ${column} = ? WHERE position = ?`).run(
    row.v.slice(0, index) + replacement + row.v.slice(index + 1),
    position,
  );
  db.close();
}

t.test('audit: streams, events, time travel and chain verification over a directory hub', async (t) => {
  let hub = await startTestHub([directoryModule], { keepDataDir: true });
  const dataDir = hub.dataDir;
  t.teardown(async () => {
    await hub.close();
    (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
  });
  let call = injector(hub);
  const before = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  for (let i = 1; i <= 5; i++) await hub.agency(`000.00.${String(10 + i)}.H40`, `Sở ${i}`, [`H40.${i}`]);
  const staff = await hub.staff('000.00.11.H40', ['clerk']);
  const system = await hub.system(['000.00.12.H40']);

  await t.test('non-admins are refused', async (t) => {
    for (const [method, url] of [
      ['GET', '/v1/admin/streams'],
      ['GET', '/v1/admin/events'],
      ['POST', '/v1/admin/audit/verify'],
      ['GET', '/v1/admin/streams/agency-x/state'],
    ] as const) {
      const anon = await call(method, url, method === 'POST' ? {} : undefined, {});
      t.equal(anon.statusCode, 401, `${url} anonymous`);
      t.match(anon.headers['content-type'], /problem\+json/);
      t.equal((await call(method, url, method === 'POST' ? {} : undefined, staff)).statusCode, 403, `${url} staff`);
      t.equal((await call(method, url, method === 'POST' ? {} : undefined, system)).statusCode, 403, `${url} system`);
    }
  });

  await t.test("each route's schema is its one validator and is shown in /docs", async (t) => {
    const paths = (await call('GET', '/docs/json')).json().paths as Record<
      string,
      Record<string, { parameters?: { in: string; name: string }[]; requestBody?: any }>
    >;
    const queryOf = (path: string) =>
      (paths[path]?.get?.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => p.name)
        .sort();
    t.same(queryOf('/v1/admin/streams'), ['after', 'limit', 'prefix']);
    t.same(queryOf('/v1/admin/streams/{stream}/events'), ['direction', 'from', 'limit']);
    t.same(queryOf('/v1/admin/events'), ['fromPosition', 'limit', 'since', 'type', 'until']);
    t.same(queryOf('/v1/admin/streams/{stream}/state'), ['at']);
    t.same(Object.keys(paths['/v1/admin/audit/verify']?.post?.requestBody?.content['application/json']?.schema?.properties ?? {}), [
      'stream',
    ]);
  });

  await t.test('streams: prefix and paging', async (t) => {
    const first = await call('GET', '/v1/admin/streams?prefix=agency-&limit=2');
    t.equal(first.statusCode, 200);
    t.equal(first.json().items.length, 2);
    const names: string[] = first.json().items.map((s: { stream: string }) => s.stream);
    let next = first.json().next as string | null;
    while (next) {
      const page = await call('GET', `/v1/admin/streams?prefix=agency-&limit=2&after=${encodeURIComponent(next)}`);
      names.push(...page.json().items.map((s: { stream: string }) => s.stream));
      next = page.json().next;
    }
    t.equal(names.length, 5, 'five agencies over three pages');
    t.same(names, [...names].sort(), 'alphabetical');
    t.ok(names.every((n) => n.startsWith('agency-')));
    const bad = await call('GET', '/v1/admin/streams?limit=0&bogus=1');
    t.equal(bad.statusCode, 400);
    t.ok(
      bad.json().errors.some((e: { path: string }) => e.path === 'querystring/limit'),
      'names limit',
    );
  });

  await t.test('stream events: forward, backward, 404', async (t) => {
    const stream = (await call('GET', '/v1/admin/streams?prefix=organid-&limit=1')).json().items[0].stream as string;
    const page = await call('GET', `/v1/admin/streams/${encodeURIComponent(stream)}/events?limit=1`);
    t.equal(page.statusCode, 200);
    t.equal(page.json().items[0].revision, 0);
    t.match(page.json().items[0], { stream, prevHash: '0'.repeat(64), hash: /^[0-9a-f]{64}$/ });
    const backward = await call('GET', `/v1/admin/streams/${encodeURIComponent(stream)}/events?direction=backward`);
    const revisions = backward.json().items.map((e: { revision: number }) => e.revision);
    t.same(
      revisions,
      [...revisions].sort((a: number, b: number) => b - a),
      'newest first',
    );
    t.equal((await call('GET', '/v1/admin/streams/no-such-stream/events')).statusCode, 404);
    const bad = await call('GET', `/v1/admin/streams/${encodeURIComponent(stream)}/events?direction=sideways&from=-1`);
    t.equal(bad.statusCode, 400);
    t.same(
      bad
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
      ['querystring/direction', 'querystring/from'],
    );
  });

  await t.test('events by position, type and time, with a cursor', async (t) => {
    const all: Array<{ position: number; type: string }> = [];
    for (let from: number | null = 1; from !== null;) {
      const page = await call('GET', `/v1/admin/events?fromPosition=${from}&limit=4`);
      t.equal(page.statusCode, 200);
      all.push(...page.json().items);
      from = page.json().next;
    }
    t.equal(all.length, await hub.platform.store.headPosition(), 'every event once');
    t.same(
      all.map((e) => e.position),
      [...all.map((e) => e.position)].sort((a, b) => a - b),
    );
    const typed = await call('GET', '/v1/admin/events?type=AgencyRegistered,StaffRegistered&limit=100');
    t.same([...new Set(typed.json().items.map((e: { type: string }) => e.type))].sort(), ['AgencyRegistered', 'StaffRegistered']);
    t.equal(typed.json().items.length, 6);
    t.equal(typed.json().next, null);
    const repeated = await call('GET', '/v1/admin/events?type=SystemRegistered&type=StaffRegistered');
    t.equal(repeated.json().items.length, 2, 'repeated type parameters');
    const none = await call('GET', `/v1/admin/events?until=${encodeURIComponent(before)}`);
    t.same(none.json().items, [], 'nothing before the first event');
    const since = await call('GET', `/v1/admin/events?since=${encodeURIComponent(before)}&limit=1000`);
    t.equal(since.json().items.length, all.length);
    const bad = await call('GET', '/v1/admin/events?fromPosition=abc&since=yesterday&until=2020-13-45&limit=5000');
    t.equal(bad.statusCode, 400);
    t.same(
      bad
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
      ['querystring/fromPosition', 'querystring/limit', 'querystring/since', 'querystring/until'],
    );
    const reversed = await call('GET', '/v1/admin/events?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z');
    t.equal(reversed.statusCode, 400);
    t.same(
      reversed.json().errors.map((e: { path: string }) => e.path),
      ['querystring/since'],
    );
    t.equal(
      (await call('GET', '/v1/admin/events?since=2026-01-02&until=2026-01-02T24:00&type=X&limit=1')).statusCode,
      200,
      'a date alone, the next midnight, one type',
    );
    t.same(
      (await call('GET', '/v1/admin/events?since=12345')).json().errors?.map((e: { path: string }) => e.path),
      ['querystring/since'],
      'digits are no time',
    );
  });

  await t.test('time travel: before, at and after registration; errors', async (t) => {
    const stream = (await call('GET', '/v1/admin/streams?prefix=agency-&limit=1')).json().items[0].stream as string;
    const now = await call('GET', `/v1/admin/streams/${encodeURIComponent(stream)}/state`);
    t.equal(now.statusCode, 200);
    t.match(now.json(), { stream, aggregate: 'agency', revision: 0, headRevision: 0, at: /^\d{4}-/ });
    t.not(now.json().state, null);
    const atZero = await call('GET', `/v1/admin/streams/${encodeURIComponent(stream)}/state?at=0`);
    t.same(atZero.json().state, now.json().state);
    const earlier = await call('GET', `/v1/admin/streams/${encodeURIComponent(stream)}/state?at=${encodeURIComponent(before)}`);
    t.equal(earlier.statusCode, 200);
    t.equal(earlier.json().revision, -1, 'before the first event');
    t.equal(earlier.json().at, null);
    t.same(earlier.json().asOf, { instant: before });
    t.equal((await call('GET', '/v1/admin/streams/agency-nope/state')).statusCode, 404);
    const malformed = await call('GET', `/v1/admin/streams/${encodeURIComponent(stream)}/state?at=last-tuesday`);
    t.equal(malformed.statusCode, 400);
    t.equal(malformed.json().errors[0].path, 'querystring/at');
    t.equal((await call('GET', `/v1/admin/streams/${encodeURIComponent(stream)}/state?at=7`)).statusCode, 400, 'beyond the head');
    const organ = (await call('GET', '/v1/admin/streams?prefix=organid-&limit=1')).json().items[0].stream as string;
    const noType = await call('GET', `/v1/admin/streams/${encodeURIComponent(organ)}/state`);
    t.equal(noType.statusCode, 422, 'a stream with no aggregate type');
    t.ok(noType.json().events >= 1);
  });

  await t.test('verify: a clean store, one stream, unknown stream', async (t) => {
    const all = await call('POST', '/v1/admin/audit/verify', {});
    t.equal(all.statusCode, 200);
    t.match(all.json(), { ok: true, checked: await hub.platform.store.headPosition() });
    t.ok(all.json().streams >= 7);
    t.notOk('brokenAt' in all.json());
    const one = await call('POST', '/v1/admin/audit/verify', { stream: 'agency-000.00.11.H40' });
    if (one.statusCode === 404) {
      const name = (await call('GET', '/v1/admin/streams?prefix=agency-&limit=1')).json().items[0].stream;
      t.match((await call('POST', '/v1/admin/audit/verify', { stream: name })).json(), { ok: true, checked: 1, streams: 1 });
    } else t.match(one.json(), { ok: true, streams: 1 });
    t.equal((await call('POST', '/v1/admin/audit/verify', { stream: 'nope' })).statusCode, 404);
    const numbered = await call('POST', '/v1/admin/audit/verify', { stream: 3 });
    t.equal(numbered.statusCode, 400, 'a number is no stream name (not coerced)');
    t.same(
      numbered.json().errors.map((e: { path: string }) => e.path),
      ['body/stream'],
    );
    t.same(
      (await call('POST', '/v1/admin/audit/verify', { stream: 'x', extra: 1 })).json().errors?.map((e: { path: string }) => e.path),
      ['body/extra'],
    );
  });

  await t.test('verify finds one altered byte in the file, whichever column', async (t) => {
    const head = await hub.platform.store.headPosition();
    const target = (await hub.platform.store.readAll({ after: 3, maxCount: 1 }))[0]!;
    await hub.close();
    const cases = [
      { column: 'data', index: 3 },
      { column: 'metadata', index: 8 },
      { column: 'type', index: 2 },
      { column: 'hash', index: 10 },
      { column: 'prev_hash', index: 0 },
    ] as const;
    for (const c of cases) {
      // Each case alters the byte, checks, then restores it.
      const file = join(dataDir, 'events.sqlite');
      const db = new Database(file);
      const original = (db.prepare(`SELECT ${c.column} AS v FROM events WHERE position = ?`).get(target.position) as { v: string }).v;
      db.close();
      alterByte(dataDir, target.position, c.column, c.index);
      hub = await startTestHub([directoryModule], { dataDir });
      call = injector(hub);
      const res = await call('POST', '/v1/admin/audit/verify', {});
      t.equal(res.statusCode, 200, `${c.column}: answered`);
      t.equal(res.json().ok, false, `${c.column}: detected`);
      t.match(
        res.json().brokenAt,
        { stream: target.stream, revision: target.revision, position: target.position, eventId: target.id },
        `${c.column}: names the event`,
      );
      t.equal(res.json().checked, target.position - 1, 'everything before it holds');
      const one = await call('POST', '/v1/admin/audit/verify', { stream: target.stream });
      t.equal(one.json().ok, false, `${c.column}: per-stream check too`);
      await hub.close();
      const restore = new Database(file);
      restore.prepare(`UPDATE events SET ${c.column} = ? WHERE position = ?`).run(original, target.position);
      restore.close();
    }
    // A removed last event (and the head left as it was) is found too.
    const db = new Database(join(dataDir, 'events.sqlite'));
    const last = db.prepare('SELECT stream, revision FROM events WHERE position = ?').get(head) as { stream: string; revision: number };
    db.prepare('DELETE FROM events WHERE position = ?').run(head);
    db.close();
    hub = await startTestHub([directoryModule], { dataDir });
    call = injector(hub);
    const cut = await call('POST', '/v1/admin/audit/verify', {});
    t.equal(cut.json().ok, false, 'truncated stream detected');
    t.match(cut.json().brokenAt, { stream: last.stream, eventId: null, reason: /head records revision/ });
  });
});
