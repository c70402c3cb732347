import { readFileSync } from 'node:fs';

export interface CpuReading {
  wallMs: number;
  /** CPU time of this process (the library, its drivers and the bench), user + system. */
  processCpuMs: number;
  /** Busy share of all cores of the machine (PostgreSQL, Redis and anything else included), 0..100; null off Linux. */
  machineBusyPct: number | null;
}

/** Starts a CPU reading; the returned function ends it. */
export function cpuMeter(): () => CpuReading {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const machine0 = machineTicks();
  return () => {
    const cpu = process.cpuUsage(cpu0);
    const machine1 = machineTicks();
    let machineBusyPct: number | null = null;
    if (machine0 && machine1 && machine1.total > machine0.total) {
      machineBusyPct = (100 * (machine1.busy - machine0.busy)) / (machine1.total - machine0.total);
    }
    return { wallMs: performance.now() - wall0, processCpuMs: (cpu.user + cpu.system) / 1000, machineBusyPct };
  };
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Linux clock ticks per second for /proc/<pid>/stat times (CLK_TCK, 100 on every mainstream kernel). */
const CLK_TCK = 100;

/**
 * CPU time spent by the PostgreSQL backends connected to the bench database (the library's pool,
 * BullMQ's PostgreSQL backend when that transport runs, and the bench's own client), read from
 * /proc while the server runs on this machine. `null` when /proc is unreadable (another host).
 * Backends that exit during the reading are not counted; the pools keep theirs open.
 */
export async function backendCpuMeter(sql: {
  query(text: string): Promise<{ rows: { pid: number }[] }>;
}): Promise<() => Promise<number | null>> {
  const pids = async () => (await sql.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid);
  const before = new Map((await pids()).map((pid) => [pid, processTicks(pid)]));
  return async () => {
    let ticks = 0;
    let readable = false;
    for (const pid of await pids()) {
      const now = processTicks(pid);
      if (now === null) continue;
      readable = true;
      ticks += now - (before.get(pid) ?? 0);
    }
    return readable ? (ticks * 1000) / CLK_TCK : null;
  };
}

/** CPU time (user + system, ms) another process of this machine has used so far; null once it is gone. */
export function processCpuMs(pid: number): number | null {
  const ticks = processTicks(pid);
  return ticks === null ? null : (ticks * 1000) / CLK_TCK;
}

function processTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/**
 * How busy the machine already is before a case starts (the bench idle, its app idle): on a shared
 * machine this says how much of a figure is someone else's load. `null` off Linux.
 */
export async function backgroundBusyPct(ms = 500): Promise<number | null> {
  const stop = cpuMeter();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return stop().machineBusyPct;
}
