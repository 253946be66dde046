/**
 * `runChaos(opts)`: N checkouts driven concurrently over HTTP against real server processes while faults are injected
 * (kill -9 and restart, test cards, duplicate submits, aborts, interrupts, a second device, expiry), then the
 * exactly-once invariants checked from the database and the processor's ledger. run.ts is the CLI; the bench imports this.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runCheckout, type CheckoutWorld } from './checkout.js';
import { Cluster, type Engine } from './cluster.js';
import { Client, Recorder, sleep } from './http.js';
import { createRng } from './rng.js';
import { Ledger } from './session.js';
import { notYetExpired, openDb, unresolved, verifyCluster, type Db } from './verify.js';

export interface ChaosOptions {
  checkouts?: number;
  concurrency?: number;
  engine?: Engine;
  seed?: number;
  /** PostgreSQL server (engine postgres); each run makes its own schemas and drops them. */
  pgUrl?: string;
  /** Server instances sharing the main database (default: 1 on SQLite, 2 on PostgreSQL). */
  instances?: number;
  /** Pause between two kill -9, ms (random in the range). */
  killEveryMs?: [number, number];
  paymentTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  engine: Engine;
  instances: number;
  seed: number;
  checkouts: number;
  faults: Record<string, number>;
  scenarios: Record<string, number>;
  ends: Record<string, number>;
  /** Sessions COMPLETED in the databases. */
  completed: number;
  /** Charges in the processor's ledger (every outcome), and the succeeded ones among them. */
  charges: number;
  succeededCharges: number;
  sessions: number;
  requests: number;
  retries: number;
  /** Connection errors and 503s while an instance or the database was down (expected). */
  expectedErrors: number;
  /** Times the PostgreSQL server itself went away during the run (restarted by someone else: not our fault, but counted). */
  databaseOutages: number;
  statuses: Record<string, number>;
  /** How many violations (0 = every invariant held); by kind below, with up to 5 examples of each. */
  violations: number;
  violationsByKind: Record<string, number>;
  violationSamples: { kind: string; detail: string }[];
  wallMs: number;
}

const TTL_MS = 3_000; // sessions on the expiry server live this long
const FINAL_WAIT_MS = 30_000; // for the reconciler to settle what the last kills left unknown

/** Clusters and schemas still alive, so a SIGINT can tear them down. */
const live = new Set<() => Promise<void>>();
export async function cleanupAll(): Promise<void> {
  await Promise.all([...live].map((f) => f().catch(() => undefined)));
}

export async function runChaos(opts: ChaosOptions = {}): Promise<ChaosResult> {
  const engine = opts.engine ?? 'sqlite';
  const checkouts = opts.checkouts ?? 2000;
  const concurrency = opts.concurrency ?? 24;
  const seed = opts.seed ?? Date.now() % 1_000_000;
  const instances = opts.instances ?? (engine === 'postgres' ? 2 : 1);
  const log = opts.log ?? (() => {});
  const paymentTimeoutMs = opts.paymentTimeoutMs ?? 1_000;
  const rng = createRng(seed);
  const started = performance.now();

  const baseEnv = {
    PAYMENT_TIMEOUT_MS: String(paymentTimeoutMs),
    RECONCILE_INTERVAL_MS: '200',
    RATE_LIMIT_CREATE_PER_MIN: '1000000',
    RATE_LIMIT_TOKENS_PER_MIN: '1000000',
    RATE_LIMIT_MUTATIONS_PER_MIN: '1000000',
  };
  const schema = `chaos_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const pgPart = (suffix: string) => (engine === 'postgres' ? { pgUrl: opts.pgUrl, pgSchema: `${schema}${suffix}` } : {});
  const main = new Cluster({ name: `${engine}-main`, engine, instances, env: baseEnv, ...pgPart('') });
  const ttl = new Cluster({
    name: `${engine}-ttl`,
    engine,
    instances: 1,
    env: { ...baseEnv, SESSION_TTL_MS: String(TTL_MS), SWEEP_INTERVAL_MS: '500' },
    ...pgPart('_ttl'),
  });
  const clusters = [main, ttl];
  const teardown = async () => {
    await Promise.all(clusters.map((c) => c.destroy()));
    if (engine === 'postgres') await dropSchemas(opts.pgUrl!, [`${schema}`, `${schema}_ttl`]);
  };
  live.add(teardown);

  const rec = new Recorder();
  const ledger = new Ledger();
  const ttlLedger = new Ledger();
  try {
    log(`chaos ${engine}: starting ${instances} + 1 server(s)${engine === 'postgres' ? ` in schemas ${schema}, ${schema}_ttl` : ''}`);
    await Promise.all(clusters.map((c) => c.start()));
    const mainClient = new Client(main, rec);
    const ttlClient = new Client(ttl, rec);
    const world: CheckoutWorld = {
      main: mainClient,
      ttl: ttlClient,
      ttlMs: TTL_MS,
      ledger,
      ttlLedger,
      rec,
      products: await productIds(mainClient),
      ttlProducts: await productIds(ttlClient),
    };

    // kill -9 one instance every few seconds while checkouts run.
    let running = true;
    const killEvery = opts.killEveryMs ?? [2_500, 6_000];
    const killer = (async () => {
      await sleep(1_500);
      while (running) {
        const cluster = rng.chance(0.15) ? ttl : main;
        const victim = rng.pick(cluster.instances);
        rec.fault('kill_9');
        await victim.crashAndRestart(rng.int(100, 1_000));
        await sleep(rng.int(...killEvery));
      }
    })();

    let next = 0;
    let done = 0;
    const progress = setInterval(() => log(`  ${done}/${checkouts} checkouts, ${rec.violations.length} violations, ${rec.faults.kill_9 ?? 0} kills`), 10_000);
    const worker = async () => {
      while (next < checkouts) {
        const i = next++;
        await runCheckout(world, createRng(seed * 7919 + i + 1));
        done++;
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      clearInterval(progress);
      running = false;
      await killer;
    }

    log(`chaos ${engine}: ${checkouts} checkouts driven in ${Math.round(performance.now() - started)} ms; waiting for the reconciler and the sweeper`);
    await waitUntil(
      main,
      async (db) => {
        const u = await unresolved(db);
        return u.processing === 0 && u.charges === 0;
      },
      FINAL_WAIT_MS,
    );
    await waitUntil(ttl, async (db) => (await notYetExpired(db, ttlLedger.leftToExpire.keys())) === 0, TTL_MS + 10_000);

    for (const c of clusters) {
      for (const i of c.instances) {
        const code = await i.server!.stop();
        if (code !== 0) rec.violation('unclean_shutdown', `${c.name}#${i.index} exited ${code} on SIGTERM`);
      }
    }
    const figures = [];
    for (const [c, l] of [
      [main, ledger],
      [ttl, ttlLedger],
    ] as const) {
      const db = await openDb(c);
      try {
        figures.push(await verifyCluster(db, l, rec, c.name));
      } finally {
        await db.close();
      }
    }
    const scenarios: Record<string, number> = {};
    const faults: Record<string, number> = {};
    for (const [k, n] of Object.entries(rec.faults)) {
      if (k.startsWith('scenario:')) scenarios[k.slice(9)] = n;
      else faults[k] = n;
    }
    const ends: Record<string, number> = { ...ledger.ends };
    for (const [k, n] of Object.entries(ttlLedger.ends)) ends[k] = (ends[k] ?? 0) + n;
    return {
      engine,
      instances,
      seed,
      checkouts,
      faults,
      scenarios,
      ends,
      completed: figures.reduce((s, f) => s + f.completed, 0),
      charges: figures.reduce((s, f) => s + f.processorCharges, 0),
      succeededCharges: figures.reduce((s, f) => s + f.succeededCharges, 0),
      sessions: figures.reduce((s, f) => s + f.sessions, 0),
      requests: rec.requests,
      retries: rec.retries,
      expectedErrors: rec.expectedErrors,
      databaseOutages: main.databaseRestarts + ttl.databaseRestarts,
      statuses: rec.statuses,
      violations: rec.violations.length,
      violationsByKind: rec.violationsByKind(),
      violationSamples: sampleViolations(rec.violations),
      wallMs: Math.round(performance.now() - started),
    };
  } finally {
    await teardown();
    live.delete(teardown);
  }
}

async function productIds(client: Client): Promise<string[]> {
  const r = await client.send('GET', '/api/store/products');
  const ids = (r.body?.products ?? []).map((p: { productId: string }) => p.productId);
  if (!ids.length) throw new Error(`no products on ${client.cluster.name}`);
  return ids;
}

async function waitUntil(cluster: Cluster, ok: (db: Db) => Promise<boolean>, ms: number): Promise<void> {
  const db = await openDb(cluster);
  try {
    const until = performance.now() + ms;
    while (!(await ok(db)) && performance.now() < until) await sleep(250);
  } finally {
    await db.close();
  }
}

async function dropSchemas(url: string, schemas: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Up to 5 examples of each kind of violation. */
function sampleViolations(all: { kind: string; detail: string }[]) {
  const seen: Record<string, number> = {};
  return all.filter((v) => (seen[v.kind] = (seen[v.kind] ?? 0) + 1) <= 5);
}

/** Can a PostgreSQL server be reached at `url` (quickly)? */
export async function pgReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
