/**
 * Processes as Linux's `/proc/<pid>/stat` tells them, for benchmarks that count the CPU of other
 * processes (hubs, a PostgreSQL server, client processes). Times in ms (USER_HZ = 100).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** user + system CPU of the process itself */
  readonly cpuMs: number;
  /** user + system CPU of its children it has waited for */
  readonly reapedChildrenCpuMs: number;
}

const TICK_MS = 1000 / 100;

/** One process's stat, or undefined when it is gone (or not on Linux). */
export function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the fields after the command's closing parenthesis (the command may hold spaces and parentheses)
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    ppid: Number(fields[1]),
    cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
    reapedChildrenCpuMs: (Number(fields[13]) + Number(fields[14])) * TICK_MS,
  };
}

/** Every live process's stat (empty when /proc cannot be read). */
export function allProcStats(): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    const stat = procStat(Number(entry));
    return stat ? [stat] : [];
  });
}
