/**
 * Round trips, statements and transactions per step of the mixed flow (create → get → tokenize → complete) on
 * PostgreSQL, counted exactly: the server runs in this process (runServer, real HTTP, real PostgreSQL) with
 * `pg.Client.prototype.query` wrapped, so every message a pooled connection sends is counted and classified.
 * Checkouts run one at a time and each step waits for the batched NOTIFY to leave, so the counts are deterministic.
 * With `rateLimits: true` the server runs with its default limits (as a merchant would); otherwise lifted, as the load
 * runs are. Background jobs (reconciler, sweeper) are pushed out of the window so only the requests are counted.
 * Run alone: `tsx bench/pg-roundtrips.ts [checkouts]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../server/config.js';
import { createLogger } from '../server/log.js';
import { runServer } from '../server/server.js';
import { measureCpu } from './cpu.js';
import { PG_URL } from './postgres.js';
import type { BenchRow } from './row.js';

export const STEPS = ['create', 'get', 'tokenize', 'complete'] as const;
export type Step = (typeof STEPS)[number];

export interface StepCounts {
  /** Messages sent to PostgreSQL and answered (each is one network round trip: node-postgres does not pipeline). */
  roundTrips: number;
  /** Of those: the application's SQL statements (not BEGIN/COMMIT/ROLLBACK, not NOTIFY, not the rate limiter). */
  statements: number;
  /** Transactions: each BEGIN … COMMIT/ROLLBACK, and each statement sent outside one (autocommit). */
  transactions: number;
  beginCommit: number;
  notify: number;
  rateLimit: number;
}

export interface RoundTripResult {
  checkouts: number;
  rateLimits: boolean;
  /** Checkouts in flight at once: 1 gives exact per-step counts; more shows what batching (NOTIFY) saves under load. */
  concurrency: number;
  /** Exact with concurrency 1 only. */
  perStep: Record<Step, StepCounts>;
  perCheckout: StepCounts;
  /** CPU of this run's own PostgreSQL backends per checkout (µs), and of this process (server + client) per checkout. */
  cpuUsPerCheckout: { postgres: number; process: number } | null;
  /**
   * WAL flushes (`pg_stat_wal.wal_sync`, the whole cluster's) per checkout, one at a time only: each commit that waits
   * for its flush is one; commits that do not are flushed by the WAL writer, a few times a second. Null at 50 at once.
   */
  walSyncsPerCheckout: number | null;
}

const zero = (): StepCounts => ({ roundTrips: 0, statements: 0, transactions: 0, beginCommit: 0, notify: 0, rateLimit: 0 });

/** Counts every query on every pg client in this process while installed; returns a reader and an uninstaller. */
function countQueries(): { read(): StepCounts; uninstall(): void } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const totals = zero();
  const inTx = new WeakSet<object>();
  proto.query = function counted(this: object, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = (typeof first === 'string' ? first : (first?.text ?? '')).trim().toLowerCase();
    totals.roundTrips++;
    if (/^(begin|start transaction)/.test(text)) {
      totals.beginCommit++;
      totals.transactions++;
      inTx.add(this);
    } else if (/^(commit|rollback)/.test(text)) {
      totals.beginCommit++;
      inTx.delete(this);
    } else if (text.includes('pg_notify') || text.startsWith('notify') || text.startsWith('listen')) {
      totals.notify++;
      totals.transactions++;
    } else if (text.includes('rate_limit')) {
      totals.rateLimit++;
      if (!inTx.has(this)) totals.transactions++;
    } else {
      totals.statements++;
      if (!inTx.has(this)) totals.transactions++;
    }
    return original.apply(this, args);
  };
  return {
    read: () => ({ ...totals }),
    uninstall: () => {
      proto.query = original;
    },
  };
}

const diff = (a: StepCounts, b: StepCounts): StepCounts =>
  Object.fromEntries(Object.keys(a).map((k) => [k, b[k as keyof StepCounts] - a[k as keyof StepCounts]])) as unknown as StepCounts;

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

async function walSyncs(): Promise<number> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>('select wal_sync as n from pg_stat_wal')).rows[0]!.n);
  } finally {
    await c.end();
  }
}

const CARD = { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' };
const MERCHANT_KEY = 'bench-merchant-key-0123456789';

export async function countRoundTrips(opts: { checkouts?: number; rateLimits?: boolean; concurrency?: number } = {}): Promise<RoundTripResult> {
  const concurrency = opts.concurrency ?? 1;
  const checkouts = opts.checkouts ?? (concurrency > 1 ? 500 : 20);
  const rateLimits = opts.rateLimits ?? false;
  const schema = `bench_rt_${process.pid}_${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-bench-rt-'));
  const lifted = rateLimits
    ? {}
    : { RATE_LIMIT_CREATE_PER_MIN: '0', RATE_LIMIT_TOKENS_PER_MIN: '0', RATE_LIMIT_MUTATIONS_PER_MIN: '0', RATE_LIMIT_MERCHANT_PER_MIN: '0' };
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: PG_URL,
    DATABASE_SCHEMA: schema,
    LOG_LEVEL: 'warn',
    ADMIN_TOKEN: 'bench-admin-token-0123456789',
    MERCHANT_API_KEY: MERCHANT_KEY,
    RECONCILE_INTERVAL_MS: '3600000',
    SWEEP_INTERVAL_MS: '3600000',
    ...lifted,
  });
  const server = await runServer(config, createLogger('warn'));
  const counter = countQueries();
  const perStep = Object.fromEntries(STEPS.map((s) => [s, zero()])) as Record<Step, StepCounts>;
  // One at a time, the batched NOTIFY leaves on the next turn: wait for it, so it counts in its step.
  const settle = () => (concurrency === 1 ? new Promise((r) => setTimeout(r, 15)) : Promise.resolve());
  const step = async (name: Step, fn: () => Promise<Response>): Promise<any> => {
    const before = counter.read();
    const res = await fn();
    const body = await res.json();
    if (!res.ok) throw new Error(`${name} answered ${res.status}: ${JSON.stringify(body)}`);
    await settle();
    const d = diff(before, counter.read());
    for (const k of Object.keys(d) as (keyof StepCounts)[]) perStep[name][k] += d[k];
    return body;
  };
  const api = `${server.url}/api/payments`;
  let start: StepCounts;
  let cpuDone: (() => import('./cpu.js').CpuUse | null) | undefined;
  let cpuUs: RoundTripResult['cpuUsPerCheckout'] = null;
  let t0: number;
  let total: StepCounts;
  let walBefore: number | null = null;
  let walSyncsPerCheckout: number | null = null;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  try {
    const one = async (measure: boolean) => {
      const c = await step('create', () =>
        post(
          '/session/create',
          { orderId: `rt_${randomBytes(6).toString('hex')}`, amount: 4200, currency: 'EUR' },
          { authorization: `Bearer ${MERCHANT_KEY}` },
        ),
      );
      await step('get', () => fetch(`${api}/session/${c.sessionId}`, { headers: { authorization: `Bearer ${c.clientSecret}` } }));
      const t = await step('tokenize', () => post('/test-processor/tokens', { card: CARD }));
      const done = await step('complete', () =>
        post(
          `/session/${c.sessionId}/complete`,
          { paymentMethod: { token: t.token } },
          { authorization: `Bearer ${c.clientSecret}`, 'idempotency-key': randomBytes(12).toString('hex') },
        ),
      );
      if (done.status !== 'COMPLETED') throw new Error(`complete: ${JSON.stringify(done)}`);
      if (!measure) for (const s of STEPS) perStep[s] = zero();
    };
    await one(false); // warm-up: pool connections, rate-limiter rows
    // An idle backend reports its pending statistics within 10 s: then the warm-up's flushes are counted before the run.
    if (concurrency === 1) await new Promise((r) => setTimeout(r, 11_000));
    walBefore = concurrency === 1 ? await walSyncs() : null;
    start = counter.read();
    const backends = await backendPids(schema);
    cpuDone = measureCpu({ postgres: (pid) => backends.includes(pid), process: (pid) => pid === process.pid });
    t0 = performance.now();
    let left = checkouts;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) await one(true);
      }),
    );
    await new Promise((r) => setTimeout(r, 50)); // the last NOTIFY
    total = diff(start, counter.read());
    const cpu = cpuDone?.();
    const secs = (performance.now() - t0) / 1000;
    if (cpu)
      cpuUs = { postgres: Math.round((cpu.groups.postgres! * secs * 1e6) / checkouts), process: Math.round((cpu.groups.process! * secs * 1e6) / checkouts) };
  } finally {
    counter.uninstall();
    await server.close();
    if (walBefore !== null) {
      // The pool's backends report their statistics as they exit, the WAL writer within a second.
      await new Promise((r) => setTimeout(r, 1_500));
      walSyncsPerCheckout = Math.round((((await walSyncs()) - walBefore) / checkouts) * 100) / 100;
    }
    rmSync(dataDir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`).finally(() => c.end());
  }
  const avg = (s: StepCounts): StepCounts =>
    Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Math.round((v / checkouts) * 100) / 100])) as unknown as StepCounts;
  const averaged = Object.fromEntries(STEPS.map((s) => [s, avg(perStep[s])])) as Record<Step, StepCounts>;
  // Over the whole run (steps of concurrent checkouts overlap: only one at a time are they told apart).
  const perCheckout = avg(total);
  return { checkouts, rateLimits, concurrency, perStep: averaged, perCheckout, cpuUsPerCheckout: cpuUs, walSyncsPerCheckout };
}

/** `create 2 rt / 2 st / 2 tx · get 1 …` */
export function describeRoundTrips(r: RoundTripResult): string {
  return STEPS.map((s) => `${s} ${r.perStep[s].roundTrips}`).join(' + ') + ` = ${r.perCheckout.roundTrips} round trips`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 20);
  for (const rateLimits of [false, true]) console.log(JSON.stringify(await countRoundTrips({ checkouts: n, rateLimits }), null, 2));
  console.log(JSON.stringify(await countRoundTrips({ concurrency: 50 }), null, 2));
}

/** bench/run.ts: the counts with limits lifted (as the load runs) and with the default limits, beside the branch-start figures. */
export async function roundTripRows(rows: BenchRow[], raw: Record<string, unknown>): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const before = JSON.parse(readFileSync(new URL('./results/pg-roundtrips-before.json', import.meta.url), 'utf8')) as { runs: RoundTripResult[] };
  for (const rateLimits of [false, true]) {
    const r = await countRoundTrips({ rateLimits });
    const b = before.runs.find((x) => x.rateLimits === rateLimits)!;
    raw[`pgRoundTrips${rateLimits ? 'Limited' : ''}`] = r;
    const label = rateLimits ? 'default rate limits' : 'rate limits lifted';
    rows.push({
      section: 'postgres',
      metric: `round trips per checkout (${label})`,
      value: describeRoundTrips(r),
      baseline: `before: ${describeRoundTrips(b)}`,
      goal: '',
      ok: null,
    });
    const p = r.perCheckout;
    rows.push({
      section: 'postgres',
      metric: `statements / transactions per checkout (${label})`,
      value: `${p.statements} / ${p.transactions} (BEGIN+COMMIT ${p.beginCommit}, NOTIFY ${p.notify}, rate limiter ${p.rateLimit})`,
      baseline: `before: ${b.perCheckout.statements} / ${b.perCheckout.transactions}`,
      goal: '',
      ok: null,
    });
    if (r.walSyncsPerCheckout !== null)
      rows.push({
        section: 'postgres',
        metric: `WAL flushes per checkout, one at a time (${label})`,
        value: String(r.walSyncsPerCheckout),
        baseline: '',
        goal: '',
        ok: null,
      });
  }
  const c = await countRoundTrips({ concurrency: 50 });
  const bc = before.runs.find((x) => x.concurrency === 50);
  raw.pgRoundTripsConcurrent = c;
  rows.push({
    section: 'postgres',
    metric: 'round trips per checkout, 50 checkouts at once',
    value: `${c.perCheckout.roundTrips} (NOTIFY batches ${c.perCheckout.notify})`,
    baseline: bc ? `before: ${bc.perCheckout.roundTrips} (NOTIFY ${bc.perCheckout.notify})` : '',
    goal: '',
    ok: null,
  });
  if (c.cpuUsPerCheckout) {
    const pgPer = Math.round(c.cpuUsPerCheckout.postgres / 4);
    const bpg = bc?.cpuUsPerCheckout ? `before: ${Math.round(bc.cpuUsPerCheckout.postgres / 4)} µs` : '';
    rows.push({
      section: 'postgres',
      metric: 'PostgreSQL CPU per request (its backends, 50 at once, in-process server)',
      value: `${pgPer} µs (${c.cpuUsPerCheckout.postgres} µs per checkout)`,
      baseline: bpg,
      goal: '',
      ok: null,
    });
  }
}
