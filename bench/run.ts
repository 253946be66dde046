/**
 * `npm run bench`: every figure of the project in one run, each beside its baseline measured in the same run.
 * Prints progress while it runs, then one table; writes bench/results/latest.json (with the machine it ran on).
 * Sections whose module is missing or whose service (PostgreSQL, Chromium) is unavailable are reported as skipped, with the reason.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchGroups, type CpuUse, describeCores, describeCpu, measureCpu } from './cpu.js';
import { domainFloor } from './domain-floor.js';
import { bareRoute, mixedFlow, type LoadResult } from './flow.js';
import { BENCH_MERCHANT_KEY, ROOT, spawnScript, spawnServer } from './procs.js';
import type { BenchRow } from './row.js';

type Row = BenchRow;

const rows: Row[] = [];
const raw: Record<string, unknown> = {};
const args = new Set(process.argv.slice(2));
const DURATION = Number(process.env.BENCH_DURATION_SEC ?? (args.has('--quick') ? 5 : 10));
const CONNECTIONS = 50;

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const fmt = (r: LoadResult) => `${r.requestsPerSec} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`;

/** `--only server,postgres` runs the sections whose names start with those words. */
const only =
  process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',') ?? [];

async function section(name: string, fn: () => Promise<void>) {
  if (only.length && !only.some((o) => name.startsWith(o))) return;
  log(`${name}: running`);
  const t = Date.now();
  try {
    await fn();
    log(`${name}: done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    log(`${name}: skipped — ${msg}`);
    rows.push({ section: name, metric: 'skipped', value: msg, baseline: '', goal: '', ok: null });
    raw[name] = { skipped: msg };
  }
}

async function optional<T>(path: string): Promise<T> {
  try {
    return (await import(path)) as T;
  } catch (err) {
    throw new Error(`module ${path} not available (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }
}

await section('server: mixed flow on SQLite vs bare Hono', async () => {
  const ceiling = await spawnScript('bench/ceiling-server.ts');
  const bare = await bareRoute(ceiling.url, { connections: CONNECTIONS, durationSec: DURATION }).finally(() => ceiling.stop());
  log(`  bare route: ${fmt(bare)}`);
  const server = await spawnServer();
  const cpuDone = measureCpu(benchGroups([server.pid]));
  let flow: LoadResult;
  let cpu: CpuUse | null;
  try {
    flow = await mixedFlow([server.url], BENCH_MERCHANT_KEY, { connections: CONNECTIONS, durationSec: DURATION });
  } finally {
    cpu = cpuDone(); // before the server exits: its CPU time is read from /proc
    await server.stop();
  }
  log(`  mixed flow: ${fmt(flow)}; ${describeCpu(cpu)}`);
  raw.sqliteFlowCpu = cpu;
  const ratio = flow.requestsPerSec / bare.requestsPerSec;
  raw.sqliteFlow = flow;
  raw.bareRoute = bare;
  raw.sqliteRatio = ratio;
  rows.push({ section: 'server', metric: 'mixed flow (SQLite), 50 conn', value: fmt(flow), baseline: `bare Hono: ${fmt(bare)}`, goal: '', ok: null });
  rows.push({
    section: 'server',
    metric: 'ratio to bare-route ceiling',
    value: `${(ratio * 100).toFixed(1)} %`,
    baseline: '100 %',
    goal: '≥ 35 %',
    ok: ratio >= 0.35,
  });
  rows.push({
    section: 'server',
    metric: 'mixed flow p99 (SQLite)',
    value: `${flow.p99Ms} ms`,
    baseline: `bare p99 ${bare.p99Ms} ms`,
    goal: '≤ 25 ms',
    ok: flow.p99Ms <= 25,
  });
  if (cpu) {
    const usPerRequest = Math.round((cpu.groups.servers! * 1e6) / flow.requestsPerSec);
    rows.push({
      section: 'server',
      metric: 'server CPU per request (mixed flow)',
      value: `${usPerRequest} µs`,
      baseline: describeCpu(cpu),
      goal: '',
      ok: null,
    });
  }
  rows.push({
    section: 'server',
    metric: 'non-2xx / errors in flow',
    value: `${flow.non2xx} / ${flow.errors}`,
    baseline: '',
    goal: '0 / 0',
    ok: flow.non2xx === 0 && flow.errors === 0,
  });
  // The floor: the same calls without HTTP. What it leaves is what no HTTP layer could beat on one core.
  const floor = await domainFloor();
  raw.domainFloor = floor;
  log(`  same flow without HTTP: ${floor.cpuUsPerRequest} µs per request`);
  rows.push({
    section: 'server',
    metric: 'same flow without HTTP (domain + SQLite store)',
    value: `${floor.cpuUsPerRequest} µs CPU per request`,
    baseline: `≤ ${floor.maxRequestsPerSec} req/s on one core = ${((floor.maxRequestsPerSec / bare.requestsPerSec) * 100).toFixed(0)} % of the ceiling`,
    goal: '',
    ok: null,
  });
});

await section('postgres: mixed flow 1 vs 2 instances, admin listing', async () => {
  type PgBench = {
    startPostgresInstances(n: number): Promise<{ urls: string[]; pids: number[]; merchantKey: string; stop(): Promise<void> }>;
    benchAdminListing(engine: 'sqlite' | 'postgres'): Promise<{ p99Ms: number; p50Ms?: number; sessions?: number }>;
  };
  const pg = await optional<PgBench>('./postgres.js');
  const cpuByInstances = new Map<number, CpuUse | null>();
  for (const n of [1, 2]) {
    const inst = await pg.startPostgresInstances(n);
    try {
      const cpuDone = measureCpu(benchGroups(inst.pids));
      const r = await mixedFlow(inst.urls, inst.merchantKey, { connections: CONNECTIONS, durationSec: DURATION });
      const cpu = cpuDone();
      raw[`pgFlow${n}`] = r;
      raw[`pgFlow${n}Cpu`] = cpu;
      cpuByInstances.set(n, cpu);
      log(`  PostgreSQL ×${n}: ${fmt(r)}; ${describeCpu(cpu)}`);
    } finally {
      await inst.stop();
    }
  }
  const one = raw.pgFlow1 as LoadResult;
  const two = raw.pgFlow2 as LoadResult;
  const sqlite = raw.sqliteFlow as LoadResult | undefined;
  rows.push({ section: 'postgres', metric: 'mixed flow, 1 instance', value: fmt(one), baseline: sqlite ? `SQLite: ${fmt(sqlite)}` : '', goal: '', ok: null });
  if (sqlite)
    rows.push({
      section: 'postgres',
      metric: 'PostgreSQL flow / SQLite flow (1 instance)',
      value: `${(one.requestsPerSec / sqlite.requestsPerSec).toFixed(2)}×`,
      baseline: `${one.requestsPerSec} / ${sqlite.requestsPerSec} req/s`,
      goal: '≥ 0.6×',
      ok: one.requestsPerSec >= 0.6 * sqlite.requestsPerSec,
    });
  rows.push({
    section: 'postgres',
    metric: 'PostgreSQL p99 at 50 connections (1 instance)',
    value: `${one.p99Ms} ms`,
    baseline: `p50 ${one.p50Ms} ms; non-2xx ${one.non2xx}, errors ${one.errors}`,
    goal: '≤ 60 ms',
    ok: one.p99Ms <= 60,
  });
  const pgCpu = cpuByInstances.get(1);
  if (pgCpu)
    rows.push({
      section: 'postgres',
      metric: 'CPU per request in the flow, 1 instance',
      value: `PostgreSQL ${Math.round((pgCpu.groups.postgresql! * 1e6) / one.requestsPerSec)} µs, server ${Math.round((pgCpu.groups.servers! * 1e6) / one.requestsPerSec)} µs`,
      baseline: 'PostgreSQL = every postgres process on the machine',
      goal: '',
      ok: null,
    });
  rows.push({
    section: 'postgres',
    metric: 'mixed flow, 2 instances',
    value: fmt(two),
    baseline: `1 instance: ${one.requestsPerSec} req/s`,
    goal: '≥ 1.5×',
    ok: two.requestsPerSec >= 1.5 * one.requestsPerSec,
  });
  for (const [n, cpu] of cpuByInstances) {
    if (cpu)
      rows.push({
        section: 'postgres',
        metric: `CPU during the flow, ${n} instance${n > 1 ? 's' : ''}`,
        value: `${(cpu.machineBusy * 100).toFixed(0)} % of ${cpu.cores} cores busy`,
        baseline: describeCores(cpu),
        goal: '',
        ok: null,
      });
  }
  for (const engine of ['sqlite', 'postgres'] as const) {
    const a = await pg.benchAdminListing(engine);
    raw[`adminListing_${engine}`] = a;
    rows.push({
      section: 'postgres',
      metric: `admin listing p99, 100k sessions (${engine})`,
      value: `${a.p99Ms} ms`,
      baseline: a.p50Ms !== undefined ? `p50 ${a.p50Ms} ms` : '',
      goal: '≤ 20 ms',
      ok: a.p99Ms <= 20,
    });
  }
});

await section('postgres-roundtrips: round trips, statements, transactions per step', async () => (await import('./pg-roundtrips.js')).roundTripRows(rows, raw));

await section('postgres-scaleout: projection from CPU per request, checked with taskset', async () => {
  const s = await import('./pg-scaleout.js');
  rows.push(...s.scaleOutRows((raw.pgScaleOut = await s.benchScaleOut({ durationSec: DURATION, connections: CONNECTIONS }))));
});

await section('postgres-p99: pool size, NOTIFY, pinning; event-loop delay and backend waits', async () =>
  (await import('./pg-p99.js')).p99Rows(rows, raw, { durationSec: DURATION, connections: CONNECTIONS }),
);

await section('hardening: attacker at the limits vs idle, FULL vs NORMAL', async () => {
  const h = await optional<typeof import('./hardening.js')>('./hardening.js');
  rows.push(...h.hardeningRows((raw.hardening = await h.benchHardening({ durationSec: DURATION, connections: CONNECTIONS }))));
});

await section('widget: bundle size and restore time', async () => {
  const w = await optional<{
    benchWidget(): Promise<{
      gzipBytes: number;
      brotliBytes: number;
      minBytes: number;
      restoreMsMedian: number;
      restoreMsP95: number;
      readyMsMedian: number;
      readyMsP95: number;
      withLazyChunks: { gzipBytes: number };
      baseline: { firstVisitMsMedian: number; moduleLoadMsMedian: number };
    }>;
  }>('./widget.js');
  const r = await w.benchWidget();
  raw.widget = r;
  rows.push({
    section: 'widget',
    metric: 'payment-checkout.js gzip (Lit included), before render',
    value: `${(r.gzipBytes / 1024).toFixed(1)} KB`,
    baseline: `min ${(r.minBytes / 1024).toFixed(1)} KB, brotli ${(r.brotliBytes / 1024).toFixed(1)} KB; + lazy sw bridge: ${(r.withLazyChunks.gzipBytes / 1024).toFixed(1)} KB`,
    goal: '≤ 18.5 KB',
    ok: r.gzipBytes <= 18.5 * 1024,
  });
  rows.push({
    section: 'widget',
    metric: 'restore after reload (median / p95)',
    value: `${r.restoreMsMedian} / ${r.restoreMsP95} ms`,
    baseline: `ready view in words ${r.readyMsMedian} / ${r.readyMsP95} ms; first visit ${r.baseline.firstVisitMsMedian} ms, module load ${r.baseline.moduleLoadMsMedian} ms`,
    goal: '≤ 50 ms',
    ok: r.restoreMsMedian <= 50,
  });
});

await section('service worker + SSE in Chromium', async () => {
  const e = await optional<{
    benchE2E(): Promise<{
      queuedCompletionMs: { median: number; p95: number };
      outageCompletionMs: { median: number; p95: number };
      sseLatencyMs: { median: number; p95: number };
      pollingLatencyMs: { median: number; p95: number };
    }>;
  }>('./e2e.js');
  const r = await e.benchE2E();
  raw.e2e = r;
  rows.push({
    section: 'sw',
    metric: 'server back → queued payment shown complete',
    value: `median ${r.queuedCompletionMs.median} ms, p95 ${r.queuedCompletionMs.p95} ms`,
    baseline: '',
    goal: '≤ 1000 ms',
    ok: r.queuedCompletionMs.median <= 1000,
  });
  rows.push({
    section: 'widget',
    metric: 'server back → payment complete, outage began before tokenization (no click)',
    value: `median ${r.outageCompletionMs.median} ms, p95 ${r.outageCompletionMs.p95} ms`,
    baseline: '',
    goal: '≤ 2000 ms median',
    ok: r.outageCompletionMs.median <= 2000,
  });
  rows.push({
    section: 'sw',
    metric: 'status change seen by page over SSE',
    value: `median ${r.sseLatencyMs.median} ms, p95 ${r.sseLatencyMs.p95} ms`,
    baseline: `2 s polling: median ${r.pollingLatencyMs.median} ms`,
    goal: '≤ 50 ms median',
    ok: r.sseLatencyMs.median <= 50,
  });
});

await section('webhooks: latency, and the mixed flow with webhooks on vs off', async () => {
  const w = await optional<typeof import('./webhooks.js')>('./webhooks.js');
  const r = await w.benchWebhooks({ connections: CONNECTIONS, durationSec: DURATION });
  raw.webhooks = r;
  rows.push({
    section: 'webhooks',
    metric: 'state change → webhook received (quiet receiver)',
    value: `median ${r.latency.medianMs} ms, p99 ${r.latency.p99Ms} ms`,
    baseline: `${r.latency.samples} checkouts one at a time, max ${r.latency.maxMs} ms`,
    goal: '≤ 100 ms median',
    ok: r.latency.medianMs <= 100,
  });
  rows.push({
    section: 'webhooks',
    metric: 'mixed flow (SQLite) with webhooks on',
    value: fmt(r.flowOn),
    baseline: `off: ${fmt(r.flowOff)}; ${r.receivedDuringFlow} events received`,
    goal: '≥ 0.9×',
    ok: r.ratio >= 0.9,
  });
  rows.push({
    section: 'webhooks',
    metric: 'on / off throughput; server CPU per request',
    value: `${r.ratio.toFixed(2)}×; ${r.cpuUsPerRequest.on} µs`,
    baseline: `off: ${r.cpuUsPerRequest.off} µs (receiver on the same cores)`,
    goal: '',
    ok: null,
  });
});

await section('chaos: exactly-once under faults', async () => {
  const c = await optional<{
    runChaos(
      o: Record<string, unknown>,
    ): Promise<{ checkouts: number; faults: Record<string, number>; completed: number; charges: number; violations: number; wallMs: number }>;
  }>('../test/chaos/chaos.js');
  // The full-size run (2000 checkouts) is `npm run chaos`; the bench keeps a smaller one so it finishes in minutes.
  const checkouts = Number(process.env.BENCH_CHAOS_CHECKOUTS ?? 300);
  const r = await c.runChaos({ checkouts, engine: 'sqlite' });
  raw.chaos = r;
  const faults = Object.values(r.faults).reduce((a, b) => a + b, 0);
  rows.push({
    section: 'chaos',
    metric: `${r.checkouts} checkouts, ${faults} faults (SQLite)`,
    value: `${r.violations} violations`,
    baseline: `${r.completed} completed, ${r.charges} charges, ${(r.wallMs / 1000).toFixed(0)} s`,
    goal: '0 violations, ≥ 200 faults',
    ok: r.violations === 0 && faults >= 200,
  });
});

await section('static: precompressed files, ours vs serveStatic', async () => {
  const { staticFiles, staticRows } = await import('./static-files.js');
  const r = await staticFiles();
  raw.static = r;
  rows.push(...staticRows(r));
});

// ---- report
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: process.platform,
  durationSec: DURATION,
  connections: CONNECTIONS,
};
const widths = [10, 46, 42, 44, 16];
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' │ ');
console.log(
  `\nMachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memGiB} GiB, Node ${machine.node}; load: ${CONNECTIONS} connections × ${DURATION} s\n`,
);
console.log(line(['section', 'metric', 'value', 'baseline (same run)', 'goal']));
console.log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
for (const r of rows) console.log(line([r.section, r.metric, r.value, r.baseline, `${r.goal}${r.ok === null ? '' : r.ok ? ' ✓' : ' ✗'}`]));
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify({ at: new Date().toISOString(), machine, rows, raw }, null, 2) + '\n');
console.log('\nwrote bench/results/latest.json');
