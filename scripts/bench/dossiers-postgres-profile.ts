/**
 * Where a dossier costs more on PostgreSQL: `node --import tsx scripts/bench/dossiers-postgres-profile.ts [seconds]`
 * runs the flow of `dossiers-postgres.bench.ts` on a durable PostgreSQL with `pg_stat_statements`
 * (and on SQLite at `normal` and `full` beside it), then prints the statements per dossier, their
 * mean server time and the server's commit and WAL figures. `BENCH_CPU_PROF=<dir>` adds a CPU
 * profile of the PostgreSQL round.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDossiersHub, type DossiersHub } from '@lienthong/dossiers/testing';
import { startPostgres } from '@lienthong/testing';
import { flow, prepare } from './dossiers-postgres.bench.js';
import { profiled } from './profile.js';
import { allProcStats } from './proc-stat.js';

const seconds = Number(process.argv[2] ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'lt-dpg-profile-'));
const server = await startPostgres({ durability: 'durable' });
const psql = (db: string, sql: string): string =>
  execFileSync('psql', ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-d', db, '-At', '-F', '\t', '-c', sql], {
    encoding: 'utf8',
  });
psql('postgres', "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
await server.restart();
const url = await server.createDatabase('dossiers');
psql('dossiers', 'CREATE EXTENSION pg_stat_statements');
const hubs: DossiersHub[] = [];

/** CPU seconds of the PostgreSQL server: the postmaster, its live children and those it reaped. */
function serverCpu(): number {
  const postmaster = Number(readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let totalMs = 0;
  for (const p of allProcStats()) {
    if (p.pid !== postmaster && p.ppid !== postmaster) continue;
    totalMs += p.cpuMs + (p.pid === postmaster ? p.reapedChildrenCpuMs : 0);
  }
  return totalMs / 1000;
}
try {
  const subjects: Array<{ name: string; hub: DossiersHub }> = [];
  for (const [name, env] of [
    ['sqlite-normal', { LT_SQLITE_SYNC: 'normal' }],
    ['sqlite-full', { LT_SQLITE_SYNC: 'full' }],
    ['postgres', { LT_EVENTSTORE: url, LT_INIT_SECRETS: '1' }],
  ] as const) {
    const hub = await startDossiersHub({ dataDir: join(dir, name), overdueIntervalMs: 60_000, env });
    hubs.push(hub);
    subjects.push({ name, hub });
  }
  for (const s of subjects) {
    const staff = await prepare(s.hub);
    await flow(s.hub, staff, 0.5);
    if (s.name === 'postgres') psql('dossiers', 'SELECT pg_stat_statements_reset(); SELECT pg_stat_reset();');
    const cpu0 = process.cpuUsage();
    const server0 = serverCpu();
    const r =
      s.name === 'postgres' ? await profiled('dossiers-postgres', () => flow(s.hub, staff, seconds)) : await flow(s.hub, staff, seconds);
    const cpu = process.cpuUsage(cpu0);
    const n = r.dossiersPerSecond * seconds;
    const server1 = serverCpu();
    process.stdout.write(
      `${s.name}: ${r.dossiersPerSecond.toFixed(1)} dossiers/s, action p99 ${r.actionP99.toFixed(1)} ms, ` +
        `node CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms/dossier (system ${(cpu.system / 1000 / n).toFixed(2)})` +
        (s.name === 'postgres' ? `, server CPU ${(((server1 - server0) * 1000) / n).toFixed(2)} ms/dossier` : '') +
        '\n',
    );
    if (s.name !== 'postgres') continue;
    const dossiers = r.dossiersPerSecond * seconds;
    process.stdout.write(`\nper dossier (${dossiers.toFixed(0)} dossiers), PostgreSQL statements by calls:\n`);
    const rows = psql(
      'dossiers',
      `SELECT calls, round(mean_exec_time::numeric, 3), round(total_exec_time::numeric, 1), regexp_replace(left(query, 110), '\\s+', ' ', 'g')
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'dossiers') ORDER BY calls DESC LIMIT 25`,
    );
    for (const line of rows.trim().split('\n')) {
      const [calls, mean, total, query] = line.split('\t');
      process.stdout.write(
        `${(Number(calls) / dossiers).toFixed(2).padStart(7)} /dossier  mean ${mean!.padStart(7)} ms  total ${total!.padStart(8)} ms  ${query}\n`,
      );
    }
    process.stdout.write(
      `\n${psql('dossiers', "SELECT 'commits', xact_commit, 'rollbacks', xact_rollback FROM pg_stat_database WHERE datname = 'dossiers'")}`,
    );
    process.stdout.write(
      psql('dossiers', "SELECT 'wal records', wal_records, 'wal syncs', wal_sync, 'wal writes', wal_write FROM pg_stat_wal"),
    );
  }
} finally {
  for (const hub of hubs) await hub.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
