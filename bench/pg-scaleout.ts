/**
 * Scale-out on PostgreSQL, projected from measured CPU per request and checked against runs on this machine.
 *
 * Model: a request costs c_s core-seconds in its server instance and c_pg in PostgreSQL (both read from /proc, the
 * PostgreSQL share from this run's own backends only, found by application_name). N instances on their own cores serve
 * at most N / c_s req/s, PostgreSQL on k cores at most k / c_pg (the load generator runs elsewhere); the projection is
 * the smaller, and the smaller one is where it saturates. It assumes CPU per request stays flat as instances are added
 * (no lock waits, no extra work per instance) and that PostgreSQL uses k cores as well as one.
 *
 * Check, on two cores: processes pinned with taskset (this process is the load generator).
 *  A: 1 instance on core 0; its PostgreSQL backends and the load generator on core 1.
 *  B: 2 instances, on core 0 and core 1; backends and load generator on core 1.
 * Each runs once at a fixed rate (autocannon overallRate, below capacity: CPU per request) and once flat out. The model,
 * fed with A's fixed-rate figures, predicts each flat-out throughput from the cores each process has; the error is
 * measured / predicted − 1. B's fixed-rate CPU per request against A's checks that it stays flat.
 */
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { measureCpu } from './cpu.js';
import { mixedFlow, type LoadResult } from './flow.js';
import { PG_URL, startPostgresInstances } from './postgres.js';
import type { BenchRow } from './row.js';

export interface Costs {
  rps: number;
  /** core-seconds per request */
  server: number;
  postgres: number;
  load: number;
}

export interface ScaleOutResult {
  rate: number;
  a: { fixed: Costs; max: LoadResult; predictedMax: number; error: number };
  b: { fixed: Costs; max: LoadResult; predictedMax: number; error: number; cpuDrift: { server: number; postgres: number } };
  projection: { instances: number; pgCores: number; reqPerSec: number; bound: 'instances' | 'postgres' }[];
}

const pin = (pid: number, cores: string) => execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });

async function backendPids(schema: string): Promise<number[]> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const r = await c.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [`payment-checkout/${schema}`.slice(0, 63)]);
    return r.rows.map((x) => x.pid);
  } finally {
    await c.end();
  }
}

/** The projection: N instances on their own cores against PostgreSQL on k cores. */
export function project(c: Pick<Costs, 'server' | 'postgres'>, instances = [1, 2, 4, 8, 16], pgCores = [1, 2, 4, 8]): ScaleOutResult['projection'] {
  const out: ScaleOutResult['projection'] = [];
  for (const k of pgCores) {
    for (const n of instances) {
      const byInstances = n / c.server;
      const byPostgres = k / c.postgres;
      out.push({
        instances: n,
        pgCores: k,
        reqPerSec: Math.round(Math.min(byInstances, byPostgres)),
        bound: byInstances <= byPostgres ? 'instances' : 'postgres',
      });
    }
  }
  return out;
}

async function layout(n: number, opts: { durationSec: number; connections: number; rate: number }) {
  const inst = await startPostgresInstances(n);
  try {
    inst.pids.forEach((pid, i) => pin(pid, String(i % 2)));
    pin(process.pid, '1');
    // Warm-up flat out: every pool connection opened (so every backend exists to be pinned and measured).
    await mixedFlow(inst.urls, inst.merchantKey, { connections: opts.connections, durationSec: 2 });
    const backends = await backendPids(inst.schema);
    for (const pid of backends) pin(pid, '1');
    const groups = {
      servers: (pid: number) => inst.pids.includes(pid),
      postgresql: (pid: number) => backends.includes(pid),
      'load generator': (pid: number) => pid === process.pid,
    };
    const run = async (overallRate?: number) => {
      const done = measureCpu(groups);
      const r = await mixedFlow(inst.urls, inst.merchantKey, { connections: opts.connections, durationSec: opts.durationSec, overallRate });
      const cpu = done();
      if (!cpu) throw new Error('CPU figures need Linux /proc');
      const per = (g: string) => cpu.groups[g]! / r.requestsPerSec;
      return { r, costs: { rps: r.requestsPerSec, server: per('servers'), postgres: per('postgresql'), load: per('load generator') } };
    };
    const fixed = await run(opts.rate);
    const max = await run();
    return { fixed: fixed.costs, max: max.r };
  } finally {
    pin(process.pid, '0-1');
    await inst.stop();
  }
}

export async function benchScaleOut(opts: { durationSec: number; connections: number; rate?: number }): Promise<ScaleOutResult> {
  const rate = opts.rate ?? Number(process.env.BENCH_SCALEOUT_RATE ?? 400);
  const a = await layout(1, { ...opts, rate });
  const b = await layout(2, { ...opts, rate });
  const c = a.fixed;
  // A: core 0 = the instance; core 1 = PostgreSQL + load generator.
  const predictedA = Math.min(1 / c.server, 1 / (c.postgres + c.load));
  // B: core 0 = half the requests' server work; core 1 = the other half + PostgreSQL + load generator.
  const predictedB = Math.min(2 / c.server, 1 / (c.server / 2 + c.postgres + c.load));
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    rate,
    a: { fixed: a.fixed, max: a.max, predictedMax: Math.round(predictedA), error: round(a.max.requestsPerSec / predictedA - 1) },
    b: {
      fixed: b.fixed,
      max: b.max,
      predictedMax: Math.round(predictedB),
      error: round(b.max.requestsPerSec / predictedB - 1),
      cpuDrift: { server: round(b.fixed.server / c.server - 1), postgres: round(b.fixed.postgres / c.postgres - 1) },
    },
    projection: project(c),
  };
}

const us = (s: number) => `${Math.round(s * 1e6)} µs`;
const pct = (e: number) => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)} %`;

export function scaleOutRows(r: ScaleOutResult): BenchRow[] {
  const rows: BenchRow[] = [];
  const c = r.a.fixed;
  rows.push({
    section: 'scale-out',
    metric: `CPU per request at ${r.rate} req/s (1 instance, pinned)`,
    value: `server ${us(c.server)}, PostgreSQL ${us(c.postgres)}`,
    baseline: `load generator ${us(c.load)}; ${c.rps} req/s`,
    goal: '',
    ok: null,
  });
  for (const k of [...new Set(r.projection.map((p) => p.pgCores))]) {
    const line = r.projection.filter((p) => p.pgCores === k);
    const sat = line.find((p) => p.bound === 'postgres');
    rows.push({
      section: 'scale-out',
      metric: `projected req/s, PostgreSQL on ${k} core${k > 1 ? 's' : ''}`,
      value: line.map((p) => `${p.instances}×: ${p.reqPerSec}`).join(', '),
      baseline: sat ? `saturates at ${sat.instances} instances (PostgreSQL-bound: ${Math.round(k / c.postgres)} req/s)` : 'instance-bound throughout',
      goal: '',
      ok: null,
    });
  }
  const two = r.projection.find((p) => p.instances === 2 && p.pgCores === 2)!;
  const one = r.projection.find((p) => p.instances === 1 && p.pgCores === 2)!;
  rows.push({
    section: 'scale-out',
    metric: 'projected 2 instances / 1 (PostgreSQL on 2 cores)',
    value: `${(two.reqPerSec / one.reqPerSec).toFixed(2)}×`,
    baseline: `${one.reqPerSec} → ${two.reqPerSec} req/s`,
    goal: '≥ 1.5×',
    ok: two.reqPerSec >= 1.5 * one.reqPerSec,
  });
  rows.push({
    section: 'scale-out',
    metric: 'model check A: 1 instance core 0, PostgreSQL + load core 1',
    value: `${r.a.max.requestsPerSec} req/s measured, p99 ${r.a.max.p99Ms} ms`,
    baseline: `predicted ${r.a.predictedMax} req/s`,
    goal: `error ${pct(r.a.error)}`,
    ok: null,
  });
  rows.push({
    section: 'scale-out',
    metric: 'model check B: 2 instances cores 0 + 1, PostgreSQL + load core 1',
    value: `${r.b.max.requestsPerSec} req/s measured, p99 ${r.b.max.p99Ms} ms`,
    baseline: `predicted ${r.b.predictedMax} req/s; CPU/request vs A: server ${pct(r.b.cpuDrift.server)}, PostgreSQL ${pct(r.b.cpuDrift.postgres)}`,
    goal: `error ${pct(r.b.error)}`,
    ok: null,
  });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchScaleOut({ durationSec: Number(process.env.BENCH_DURATION_SEC ?? 10), connections: 50 });
  console.log(JSON.stringify(r, null, 2));
  for (const row of scaleOutRows(r)) console.log(`${row.metric}: ${row.value} | ${row.baseline} | ${row.goal}`);
}
