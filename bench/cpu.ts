/**
 * Where a load run's CPU went, from /proc (Linux): the machine's busy share of all cores, and the CPU time of named
 * process groups (the servers under test, PostgreSQL's backends, this process = the load generator).
 * On a machine where load generator, servers and database share the cores, this tells a throughput limit from a
 * hardware limit: a second instance cannot add throughput when one instance already keeps the cores busy.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

const TICKS_PER_SEC = 100; // USER_HZ on Linux

export type ProcessGroups = Record<string, (pid: number, command: string) => boolean>;

export interface CpuUse {
  /** Busy share of all cores, 0..1. */
  machineBusy: number;
  cores: number;
  /** CPU seconds per second of wall time, per group (1 = one core kept busy). */
  groups: Record<string, number>;
}

function machineTicks(): { idle: number; all: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { idle: f[3]! + f[4]!, all: f.reduce((a, b) => a + b, 0) };
}

function processTicks(groups: ProcessGroups): Map<number, { group: string; ticks: number }> {
  const out = new Map<number, { group: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = `${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
      const group = Object.keys(groups).find((g) => groups[g]!(pid, command));
      if (group) out.set(pid, { group, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while we read it
    }
  }
  return out;
}

/** Starts measuring; the returned function ends the measurement (processes are matched at both ends, by pid). */
export function measureCpu(groups: ProcessGroups): () => CpuUse | null {
  if (process.platform !== 'linux') return () => null;
  const m0 = machineTicks();
  const p0 = processTicks(groups);
  const t0 = performance.now();
  return () => {
    const m1 = machineTicks();
    const p1 = processTicks(groups);
    const secs = (performance.now() - t0) / 1000;
    const used: Record<string, number> = Object.fromEntries(Object.keys(groups).map((g) => [g, 0]));
    for (const [pid, now] of p1) used[now.group]! += now.ticks - (p0.get(pid)?.ticks ?? 0);
    return {
      machineBusy: 1 - (m1.idle - m0.idle) / (m1.all - m0.all),
      cores: cpus().length,
      groups: Object.fromEntries(Object.entries(used).map(([g, ticks]) => [g, Math.round((ticks / TICKS_PER_SEC / secs) * 100) / 100])),
    };
  };
}

/** The usual groups: our server processes (by pid), PostgreSQL, and this process (the load generator). */
export function benchGroups(serverPids: number[]): ProcessGroups {
  return {
    servers: (pid) => serverPids.includes(pid),
    postgresql: (_pid, command) => command.startsWith('postgres'),
    'load generator': (pid) => pid === process.pid,
  };
}

/** `cores used: servers 0.94, postgresql 0.58, …` */
export function describeCores(c: CpuUse): string {
  return `cores used: ${Object.entries(c.groups)
    .map(([g, v]) => `${g} ${v.toFixed(2)}`)
    .join(', ')}`;
}

export function describeCpu(c: CpuUse | null): string {
  if (!c) return 'n/a';
  return `machine ${(c.machineBusy * 100).toFixed(0)} % busy of ${c.cores} cores; ${describeCores(c)}`;
}
