/**
 * Where PostgreSQL's p99 in the mixed flow comes from: one instance, 50 connections flat out, in several variants
 * (pool size, processes pinned to cores with taskset), each reporting beside its throughput and latency:
 * - the server's event-loop delay (perf_hooks histogram, preloaded with bench/el-probe.mjs), so stalls show;
 * - what the instance's PostgreSQL backends were doing, sampled from pg_stat_activity every 20 ms: running, idle
 *   (waiting for the server), or waiting on a lock / LWLock / I/O, by wait event (NOTIFY's queue lock would be `Lock:object`
 *   or `LWLock:NotifyQueue`/`NotifySLRU`);
 * - CPU of server, PostgreSQL and load generator.
 * Run: `tsx bench/pg-p99.ts [variant …]` (variants below; default all), BENCH_DURATION_SEC (default 8).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { benchGroups, describeCpu, measureCpu, type CpuUse } from './cpu.js';
import { mixedFlow, type LoadResult } from './flow.js';
import { PG_URL, startPostgresInstances } from './postgres.js';
import { ROOT } from './procs.js';
import type { BenchRow } from './row.js';

export interface Variant {
  name: string;
  /** PG_POOL_MAX */
  pool: number;
  /** taskset cores for server / its backends / load generator (unset: not pinned) */
  pin?: { server: string; postgres: string; load: string };
  /** Measurement only: the server sends no NOTIFY (bench/drop-notify.mjs), to see what NOTIFY costs. */
  noNotify?: boolean;
}

export const VARIANTS: Variant[] = [
  { name: 'pool10', pool: 10 },
  { name: 'pool4', pool: 4 },
  { name: 'pool2', pool: 2 },
  { name: 'pool4-pinned', pool: 4, pin: { server: '0', postgres: '1', load: '1' } },
  { name: 'pool10-pinned', pool: 10, pin: { server: '0', postgres: '1', load: '1' } },
  { name: 'pool10-no-notify', pool: 10, noNotify: true },
];

export interface P99Result {
  variant: string;
  flow: LoadResult;
  eventLoop: { p50Ms: number; p99Ms: number; maxMs: number; meanMs: number } | null;
  /** Share of samples of the instance's backends in each state (`active`, `idle`, `Lock:transactionid`, …). */
  backends: Record<string, number>;
  samples: number;
  cpu: CpuUse | null;
}

const pin = (pid: number, cores: string) => execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
const appName = (schema: string) => `payment-checkout/${schema}`.slice(0, 63);

async function sampleBackends(schema: string, stop: { done: boolean }): Promise<{ counts: Record<string, number>; samples: number; pids: Set<number> }> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  const counts: Record<string, number> = {};
  const pids = new Set<number>();
  let samples = 0;
  try {
    while (!stop.done) {
      const r = await c.query<{ pid: number; state: string; wt: string | null; we: string | null }>(
        'select pid, state, wait_event_type as wt, wait_event as we from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
        [appName(schema)],
      );
      for (const row of r.rows) {
        pids.add(row.pid);
        // `idle` waits on ClientRead: the backend waits for the server. Anything else while active is where time goes.
        const key = row.state === 'active' ? (row.wt ? `active ${row.wt}:${row.we}` : 'active running') : row.state;
        counts[key] = (counts[key] ?? 0) + 1;
        samples++;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    await c.end();
  }
  return { counts, samples, pids };
}

export async function runVariant(v: Variant, opts: { durationSec: number; connections: number }): Promise<P99Result> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-p99-'));
  const probe = join(dir, 'el.json');
  const inst = await startPostgresInstances(1, {
    PG_POOL_MAX: String(v.pool),
    NODE_OPTIONS: [`--import=${join(ROOT, 'bench/el-probe.mjs')}`, v.noNotify ? `--import=${join(ROOT, 'bench/drop-notify.mjs')}` : ''].join(' ').trim(),
    EL_PROBE_OUT: probe,
  });
  try {
    if (v.pin) {
      pin(inst.pids[0]!, v.pin.server);
      pin(process.pid, v.pin.load);
    }
    await mixedFlow(inst.urls, inst.merchantKey, { connections: opts.connections, durationSec: 2 }); // warm-up: every pool connection open
    const backends = await (async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      const r = await c.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [appName(inst.schema)]);
      await c.end();
      return r.rows.map((x) => x.pid);
    })();
    if (v.pin) for (const pid of backends) pin(pid, v.pin.postgres);
    process.kill(inst.pids[0]!, 'SIGUSR2'); // reset the event-loop histogram after the warm-up
    const stop = { done: false };
    const sampling = sampleBackends(inst.schema, stop);
    const cpuDone = measureCpu({ ...benchGroups(inst.pids), postgresql: (pid) => backends.includes(pid) });
    const flow = await mixedFlow(inst.urls, inst.merchantKey, { connections: opts.connections, durationSec: opts.durationSec });
    const cpu = cpuDone();
    stop.done = true;
    const s = await sampling;
    process.kill(inst.pids[0]!, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 100));
    let eventLoop: P99Result['eventLoop'] = null;
    try {
      eventLoop = JSON.parse(readFileSync(probe, 'utf8'));
    } catch {
      // the probe did not write (not loaded)
    }
    const backendsShare = Object.fromEntries(
      Object.entries(s.counts)
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => [k, Math.round((n / s.samples) * 1000) / 1000]),
    );
    return { variant: v.name, flow, eventLoop, backends: backendsShare, samples: s.samples, cpu };
  } finally {
    if (v.pin) pin(process.pid, '0-1');
    await inst.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function describeP99(r: P99Result): string {
  const f = r.flow;
  const el = r.eventLoop ? `event loop delay p99 ${r.eventLoop.p99Ms} ms, max ${r.eventLoop.maxMs} ms` : 'event loop n/a';
  const b = Object.entries(r.backends)
    .slice(0, 5)
    .map(([k, v]) => `${k} ${(v * 100).toFixed(1)} %`)
    .join(', ');
  return `${r.variant}: ${f.requestsPerSec} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms; ${el}; backends: ${b}; ${describeCpu(r.cpu)}`;
}

/** bench/run.ts: the variants back to back, one row each, and what the backends waited on over all of them. */
export async function p99Rows(rows: BenchRow[], raw: Record<string, unknown>, opts: { durationSec: number; connections: number }): Promise<void> {
  const results: P99Result[] = [];
  for (const name of ['pool10', 'pool4', 'pool10-no-notify', 'pool10-pinned'])
    results.push(
      await runVariant(
        VARIANTS.find((v) => v.name === name)!,
        opts,
      ),
    );
  raw.pgP99 = results;
  for (const r of results) {
    const perReq = (g: string) => (r.cpu ? `${Math.round((r.cpu.groups[g]! * 1e6) / r.flow.requestsPerSec)} µs` : 'n/a');
    rows.push({
      section: 'postgres-p99',
      metric: `${r.variant}: flow, event-loop delay`,
      value: `${r.flow.requestsPerSec} req/s, p99 ${r.flow.p99Ms} ms`,
      baseline: `event loop p99 ${r.eventLoop?.p99Ms ?? 'n/a'} ms; CPU/request server ${perReq('servers')}, PostgreSQL ${perReq('postgresql')}; machine ${r.cpu ? Math.round(r.cpu.machineBusy * 100) : '?'} % busy`,
      goal: '',
      ok: null,
    });
  }
  const all: Record<string, number> = {};
  let n = 0;
  for (const r of results) {
    for (const [k, v] of Object.entries(r.backends)) all[k] = (all[k] ?? 0) + v * r.samples;
    n += r.samples;
  }
  const busy = Object.entries(all)
    .filter(([k]) => k !== 'idle')
    .sort((a, b) => b[1] - a[1]);
  const busyTotal = busy.reduce((a, [, v]) => a + v, 0);
  rows.push({
    section: 'postgres-p99',
    metric: `backends' non-idle time by wait (${n} samples)`,
    value: busy
      .slice(0, 3)
      .map(([k, v]) => `${k} ${((v / busyTotal) * 100).toFixed(0)} %`)
      .join(', '),
    baseline: `idle ${(((all.idle ?? 0) / n) * 100).toFixed(0)} % of samples; lock waits ${busy.filter(([k]) => k.includes(' Lock:')).reduce((a, [, v]) => a + v, 0)} samples`,
    goal: '',
    ok: null,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.slice(2);
  // In the order given, repeats allowed (alternate A B A B to see drift).
  const chosen = names.length
    ? names.map((n) => {
        const v = VARIANTS.find((x) => x.name === n);
        if (!v) throw new Error(`no variant ${n}; variants: ${VARIANTS.map((x) => x.name).join(', ')}`);
        return v;
      })
    : VARIANTS;
  const durationSec = Number(process.env.BENCH_DURATION_SEC ?? 8);
  for (const v of chosen) {
    const r = await runVariant(v, { durationSec, connections: 50 });
    console.log(describeP99(r));
    console.error(JSON.stringify(r));
  }
}
