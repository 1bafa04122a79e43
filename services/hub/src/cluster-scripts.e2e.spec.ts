/**
 * `scripts/cluster-up` and `scripts/cluster-down` as a newcomer runs them (docs/operations.md, "A
 * cluster on one machine"), in a temporary `LT_CLUSTER_DIR` on free ports: PostgreSQL, three NATS
 * nodes and two replicas of every service alone start, their addresses are printed with the note
 * on fronting them; a write through one service's replica is seen through the others; cluster-down
 * stops every process it started.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { REPO_ROOT, childEnv, eventually, requireNatsServer, requirePostgres } from '@lienthong/testing';
import { SERVICES, call } from './test/replicas.js';

const AGENCY = '000.00.12.H40';

/** Runs a script of scripts/ to its end (bounded), with its output. */
function script(
  name: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(REPO_ROOT, 'scripts', name), args, { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // A replica that did not get ready: its own log says why (the folder goes at teardown).
      const log = code === 0 ? undefined : /see (\S+\.log)/.exec(output)?.[1];
      if (log !== undefined && existsSync(log)) output += `\n--- ${log} (end) ---\n${readFileSync(log, 'utf8').slice(-4000)}`;
      resolve({ code, output });
    });
  });
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A base port with `span` free ports from it and from +1000 and +2000 (the NATS routes and monitors). */
async function freeRange(span: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 17_000);
    const ports = Array.from({ length: span }, (_, i) => [base + i, base + 1000 + i, base + 2000 + i]).flat();
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
}

// building, twelve replicas then two hubs, with PostgreSQL and NATS, started and stopped: about 2 minutes on the shared 2-core machine
t.setTimeout(180_000);

t.test('cluster-up starts PostgreSQL, 3 NATS nodes and two replicas of every service; cluster-down stops them', async (t) => {
  if (!requirePostgres(t) || !requireNatsServer(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'lt-cluster-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user under it
  const env = {
    LT_CLUSTER_DIR: dir,
    LT_CLUSTER_WATCH_PID: String(process.pid), // stopped and deleted even if this process is killed
    LT_CLUSTER_PG_PORT: String(await freeRange(1)),
    LT_CLUSTER_NATS_PORT: String(await freeRange(3)),
    LT_CLUSTER_SERVICE_PORT: String(await freeRange(SERVICES.length * 2)),
  };
  t.teardown(async () => {
    if (existsSync(join(dir, 'pids'))) await script('cluster-down', [], env, 60_000);
    rmSync(dir, { recursive: true, force: true });
  });

  // 1. up: every address printed, the note on a load balancer
  const up = await script('cluster-up', [], env, 300_000);
  t.equal(up.code, 0, `cluster-up exits 0: ${up.code === 0 ? '' : up.output.slice(-7000)}`);
  if (up.code !== 0) return;
  const urls = new Map([...up.output.matchAll(/^(\S+?)(\d)\s+(http:\/\/127\.0\.0\.1:\d+)/gm)].map((m) => [`${m[1]}${m[2]}`, m[3]!]));
  t.same(
    [...urls.keys()].sort(),
    SERVICES.flatMap((s) => [`${s}1`, `${s}2`]).sort(),
    'two replicas of every service, each with its address',
  );
  t.match(up.output, /PostgreSQL\s+postgres:\/\/postgres@127\.0\.0\.1:\d+\/lienthong/, 'the store printed');
  t.match(up.output, /NATS\s+nats:\/\/127\.0\.0\.1:\d+,nats:\/\/127\.0\.0\.1:\d+,nats:\/\/127\.0\.0\.1:\d+/, 'three NATS seeds printed');
  t.match(up.output, /load balancer[\s\S]*\/v1\/dossiers[\s\S]*dossiers1/, 'how a balancer would front them');
  const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  const url = (name: string) => urls.get(name)!;

  // 2. one deployment: an agency through catalog1 is known to every process; a procedure, a dossier, its tracking
  const made = await call(url('catalog1'), 'POST', '/v1/admin/agencies', token, { organId: AGENCY, name: 'UBND huyện', level: 'district' });
  t.equal(made.status, 201, `an agency through catalog1: ${JSON.stringify(made.body)}`);
  for (const [name, base] of urls)
    await eventually(
      async () => (await call(base, 'GET', `/v1/agencies/${AGENCY}`, token)).status === 200,
      30_000,
      `${name} has the agency`,
    );
  t.pass('every replica of every service has it');
  const procedure = { name: 'Đăng ký khai sinh', field: 'Hộ tịch', agencyLevels: ['district'], processingDays: 3, onlineLevel: 'partial' };
  t.equal(
    (await call(url('catalog2'), 'PUT', '/v1/catalog/procedures/1.004227', token, procedure)).status,
    201,
    'a procedure through catalog2',
  );
  const clerk = (await call(url('dossiers2'), 'POST', '/v1/admin/staff', token, { agencyId: AGENCY, name: 'Cán bộ', roles: ['clerk'] }))
    .body.token as string;
  const receipt = { procedureCode: '1.004227', agencyId: AGENCY, applicant: { name: 'Nguyễn Văn An' }, channel: 'counter' };
  let dossier: { dossierCode: string; lookupPin: string } | undefined;
  await eventually(
    async () => {
      const res = await call(url('dossiers1'), 'POST', '/v1/dossiers', clerk, receipt);
      if (res.status === 201) dossier = res.body;
      return dossier !== undefined;
    },
    30_000,
    'a receipt through dossiers1',
  );
  for (const name of ['status-tracker1', 'status-tracker2'])
    await eventually(
      async () => (await call(url(name), 'GET', `/v1/track/${dossier!.dossierCode}?pin=${dossier!.lookupPin}`, null)).status === 200,
      30_000,
      `${name} tracks it`,
    );
  t.pass('both trackers track the dossier received through dossiers1');

  // 3. down: every process it started is gone, the data stays
  const pids = readFileSync(join(dir, 'pids'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('pid '))
    .map((l) => Number(l.split(' ')[1]));
  t.equal(pids.length, 3 + SERVICES.length * 2, 'three NATS nodes and twelve replicas recorded');
  const down = await script('cluster-down', [], env, 120_000);
  t.equal(down.code, 0, `cluster-down exits 0: ${down.output}`);
  t.match(down.output, /stopped PostgreSQL/);
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  t.same(alive, [], 'no process of the cluster left');
  t.notOk(existsSync(join(dir, 'pids')), 'nothing recorded as up');
  t.ok(existsSync(join(dir, 'secrets', 'pin-hmac.key')) && existsSync(join(dir, 'pg', 'data')), 'the data stays for the next cluster-up');
});

t.test('cluster-up --hub starts two all-in-one hub replicas (with federation) instead', async (t) => {
  if (!requirePostgres(t) || !requireNatsServer(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'lt-cluster-hub-'));
  chmodSync(dir, 0o755);
  const env = {
    LT_CLUSTER_DIR: dir,
    LT_CLUSTER_WATCH_PID: String(process.pid), // stopped and deleted even if this process is killed
    LT_CLUSTER_PG_PORT: String(await freeRange(1)),
    LT_CLUSTER_NATS_PORT: String(await freeRange(3)),
    LT_CLUSTER_HUB_PORT: String(await freeRange(2)),
  };
  t.teardown(async () => {
    if (existsSync(join(dir, 'pids'))) await script('cluster-down', [], env, 60_000);
    rmSync(dir, { recursive: true, force: true });
  });
  const up = await script('cluster-up', ['--hub'], env, 300_000);
  t.equal(up.code, 0, `cluster-up --hub exits 0: ${up.code === 0 ? '' : up.output.slice(-7000)}`);
  if (up.code !== 0) return;
  const urls = new Map([...up.output.matchAll(/^(hub\d)\s+(http:\/\/127\.0\.0\.1:\d+)/gm)].map((m) => [m[1]!, m[2]!]));
  t.same([...urls.keys()].sort(), ['hub1', 'hub2'], 'two hub replicas, each with its address');
  const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  t.equal((await call(urls.get('hub1')!, 'POST', '/v1/admin/agencies', token, { organId: AGENCY, name: 'UBND huyện' })).status, 201);
  await eventually(
    async () => (await call(urls.get('hub2')!, 'GET', `/v1/agencies/${AGENCY}`, token)).status === 200,
    30_000,
    'hub2 has it',
  );
  t.equal((await call(urls.get('hub2')!, 'GET', '/v1/federation/identity', null)).status, 200, 'the hub carries federation');

  // down, then up again on the same data and ports: the deployment is as it was
  t.equal((await script('cluster-down', [], env, 120_000)).code, 0, 'down, the data kept');
  const again = await script('cluster-up', ['--hub'], env, 300_000);
  t.equal(again.code, 0, `cluster-up --hub again exits 0: ${again.code === 0 ? '' : again.output.slice(-7000)}`);
  if (again.code !== 0) return;
  t.match(again.output, new RegExp(`hub2\\s+${urls.get('hub2')}\\s`), 'the same ports');
  t.equal((await call(urls.get('hub2')!, 'GET', `/v1/agencies/${AGENCY}`, token)).status, 200, 'the agency is still there (same store)');
  const down = await script('cluster-down', ['--purge'], env, 120_000);
  t.equal(down.code, 0, `cluster-down --purge exits 0: ${down.output}`);
  t.match(
    down.output,
    /stopped hub1[\s\S]*stopped hub2[\s\S]*stopped PostgreSQL[\s\S]*deleted/,
    'replicas, NATS, PostgreSQL, then the data',
  );
  t.notOk(existsSync(join(dir, 'pg')), 'purged');
});
