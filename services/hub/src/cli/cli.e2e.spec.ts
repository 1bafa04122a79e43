/** The CLI as a user runs it: child processes on a temp data directory seeded with `seed-demo --scale 0.01`. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { lockReadModels } from '@lienthong/projections';
import t from 'tap';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const cli = join(root, 'services/hub/src/cli.ts');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      { cwd: root, env: { ...process.env, LT_LOG_LEVEL: 'error', ...env }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

t.test('lienthong CLI on a seeded data directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  const d = ['--data-dir', data];

  const [help, frobnicate, empty, badScale] = await Promise.all([
    run(['--help']),
    run(['frobnicate']),
    run([...d, 'verify']),
    run([...d, 'seed-demo', '--scale', 'lots']),
  ]);
  t.equal(help.code, 0);
  for (const c of ['replay', 'verify', 'export', 'import-catalog', 'seed-demo']) t.match(help.stdout, c);
  t.equal(frobnicate.code, 1, 'unknown command');
  t.equal(empty.code, 1, 'no store yet: an error, not a broken chain');
  t.equal(badScale.code, 1, 'bad --scale');

  // seed-demo, with LT_DATA_DIR instead of --data-dir
  const seeded = await run(['seed-demo', '--scale', '0.01'], { LT_DATA_DIR: data });
  t.equal(seeded.code, 0, seeded.stderr);
  const seed = JSON.parse(seeded.stdout) as {
    dossiers: number;
    documents: number;
    events: number;
    dossiersByStatus: Record<string, number>;
    tokensFile: string;
  };
  t.equal(seed.dossiers, 100);
  t.equal(seed.documents, 50);
  t.ok(Object.keys(seed.dossiersByStatus).length >= 8, 'dossiers in most statuses');
  const tokens = JSON.parse(readFileSync(seed.tokensFile, 'utf8')) as { admin: string; systems: unknown[]; staff: unknown[] };
  t.equal(tokens.systems.length, 3);
  t.ok(tokens.staff.length >= 4);
  t.equal(statSync(seed.tokensFile).mode & 0o777, 0o600, 'tokens file readable by its owner only');

  // verify, export (whole, range, prefix) and verify the exports: read-only, in parallel
  const whole = join(dir, 'all.jsonl');
  const range = join(dir, 'range.jsonl');
  const dossiers = join(dir, 'dossiers.jsonl');
  const [verified, exported, exportedRange, exportedPrefix] = await Promise.all([
    run([...d, 'verify']),
    run([...d, 'export', '--out', whole]),
    run([...d, 'export', '--out', range, '--from-position', '100', '--to-position', '300']),
    run([...d, 'export', '--out', dossiers, '--stream-prefix', 'dossier-']),
  ]);
  t.equal(verified.code, 0, verified.stderr);
  t.match(JSON.parse(verified.stdout), { ok: true, checked: seed.events });
  for (const r of [exported, exportedRange, exportedPrefix]) t.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(`${whole}.manifest.json`, 'utf8'));
  t.match(manifest, {
    format: 'lienthong-export/1',
    count: seed.events,
    range: { firstPosition: 1, lastPosition: seed.events },
    sha256: /^[0-9a-f]{64}$/,
  });
  t.equal(readFileSync(whole, 'utf8').trim().split('\n').length, seed.events);
  t.match(JSON.parse(readFileSync(`${range}.manifest.json`, 'utf8')), { count: 201, range: { firstPosition: 100, lastPosition: 300 } });
  const prefixManifest = JSON.parse(readFileSync(`${dossiers}.manifest.json`, 'utf8'));
  t.ok(Object.keys(prefixManifest.streams).every((s) => s.startsWith('dossier-')) && prefixManifest.count > 100);
  const checks = await Promise.all([whole, range, dossiers].map((f) => run(['verify', '--export', f])));
  for (const c of checks) t.equal(c.code, 0, `export verifies on its own: ${c.stdout}${c.stderr}`);

  // a tampered export line is named
  const lines = readFileSync(range, 'utf8').split('\n');
  lines[41] = lines[41]!.replace(/"actor":"([^"]*)"/, '"actor":"$1x"');
  writeFileSync(range, lines.join('\n'));
  // a removed line too
  const dropped = readFileSync(dossiers, 'utf8').split('\n');
  dropped.splice(dropped.length - 2, 1);
  writeFileSync(dossiers, dropped.join('\n'));
  // same lines, other bytes (CRLF endings): only the file's SHA-256 can tell
  writeFileSync(whole, readFileSync(whole, 'utf8').replaceAll('\n', '\r\n'));
  const [tampered, cut, crlf] = await Promise.all([
    run(['verify', '--export', range]),
    run(['verify', '--export', dossiers]),
    run(['verify', '--export', whole]),
  ]);
  t.equal(crlf.code, 2);
  t.match(JSON.parse(crlf.stdout).brokenAt, { reason: /SHA-256/ });
  t.equal(tampered.code, 2);
  t.match(JSON.parse(tampered.stdout), { ok: false, brokenAt: { line: 42, position: 141, reason: /hash mismatch/ } });
  t.equal(cut.code, 2);
  t.match(JSON.parse(cut.stdout).brokenAt, { reason: /lines missing|SHA-256|counts/ });

  // replay: all, one, unknown
  const replayed = await run([...d, 'replay']);
  t.equal(replayed.code, 0, replayed.stderr);
  const names = (JSON.parse(replayed.stdout).projections as Array<{ name: string; events: number }>).map((p) => p.name);
  t.ok(
    ['directory', 'catalog-procedures', 'dossiers-queue', 'document-routing'].every((n) => names.includes(n)),
    names.join(),
  );
  // one command at a time on the hub's read models: a second one is refused while the first runs
  const one = await run([...d, 'replay', '--projection', 'dossiers-queue']);
  const unknown = await run([...d, 'replay', '--projection', 'nope']);
  const missing = await run([...d, 'import-catalog', join(dir, 'missing.csv')]);
  writeFileSync(join(dir, 'empty.json'), '[]');
  const held = lockReadModels(join(data, 'projections', 'hub')); // as a running hub holds them
  const [busyReplay, busyImport] = await Promise.all([run([...d, 'replay']), run([...d, 'import-catalog', join(dir, 'empty.json')])]);
  held.release();
  t.equal(busyReplay.code, 1);
  t.match(busyReplay.stderr, /the hub is running on .*stop it first, or use its HTTP API/);
  t.equal(busyImport.code, 1);
  t.match(busyImport.stderr, /the hub is running on/);
  t.equal(one.code, 0, one.stderr);
  t.equal(JSON.parse(one.stdout).projections.length, 1);
  t.equal(missing.code, 1, 'missing import file');
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /no projection nope; known: directory/);

  // import-catalog: CSV and JSON, a refused file
  const csv = join(dir, 'procedures.csv');
  writeFileSync(
    csv,
    '\ufeffcode,name,field,agencyLevels,processingDays,fees,onlineLevel\r\n9.000001,"Cấp phép thử nghiệm, lần 1",Thử nghiệm,province;district,5,Lệ phí: 10.000,full\r\n9.000002,Đăng ký thử nghiệm,Thử nghiệm,commune,1,,partial\r\n',
  );
  const imported = await run([...d, 'import-catalog', csv]);
  t.equal(imported.code, 0, imported.stderr);
  t.match(JSON.parse(imported.stdout), { imported: 2, created: 2 });
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify([{ code: '9.000004', name: '' }]));
  const refused = await run([...d, 'import-catalog', bad]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /import refused \(400\)/);

  // one altered byte in the store file: verify exits 2 and prints the event
  const file = join(data, 'events.sqlite');
  t.ok(existsSync(file));
  const db = new Database(file);
  const victim = db
    .prepare("SELECT position, id, stream, data FROM events WHERE stream LIKE 'dossier-%' ORDER BY position LIMIT 1 OFFSET 20")
    .get() as { position: number; id: string; stream: string; data: string };
  db.prepare('UPDATE events SET data = ? WHERE position = ?').run(victim.data.replace(/.$/, ' '), victim.position);
  db.close();
  const broken = await run([...d, 'verify']);
  t.equal(broken.code, 2);
  const report = JSON.parse(broken.stdout);
  t.match(report, {
    ok: false,
    checked: victim.position - 1,
    brokenAt: { position: victim.position, eventId: victim.id, stream: victim.stream },
    event: { id: victim.id },
  });
  t.match(broken.stderr, `BROKEN at position ${victim.position}`);
});
