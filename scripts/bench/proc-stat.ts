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

/** A process's threads' scheduler times in ms (NaN when unknown): its main thread's and all threads' together. */
export interface ThreadTimes {
  /** On a core (`/proc/<pid>/task/<tid>/schedstat`, first field). */
  readonly running: { readonly main: number; readonly all: number };
  /** Runnable but waiting for a core (second field). */
  readonly waiting: { readonly main: number; readonly all: number };
}

/**
 * How long a process's threads ran and how long they waited for a core. Beside the CPU time it
 * says whether a process was slow because it was busy or because it was not let run, and how
 * much of its CPU was its main thread's (a Node process's event loop, its bound when at ~100 %).
 */
export function threadTimes(pid: number): ThreadTimes {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { running: { main: Number.NaN, all: Number.NaN }, waiting: { main: Number.NaN, all: Number.NaN } };
  }
  const running = { main: Number.NaN, all: 0 };
  const waiting = { main: Number.NaN, all: 0 };
  for (const tid of tasks) {
    let fields: string[];
    try {
      fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ');
    } catch {
      continue; // the thread ended meanwhile
    }
    const [run, wait] = [Number(fields[0]) / 1e6, Number(fields[1]) / 1e6];
    running.all += run;
    waiting.all += wait;
    if (Number(tid) === pid) {
      running.main = run;
      waiting.main = wait;
    }
  }
  return { running, waiting };
}
