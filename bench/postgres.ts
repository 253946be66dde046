/**
 * PostgreSQL benchmarks, called by bench/run.ts:
 * - `startPostgresInstances(n)`: n server processes on one fresh PostgreSQL schema, for the mixed-flow comparison
 *   (1 vs 2 instances); `stop()` ends them and drops the schema.
 * - `benchAdminListing(engine)`: p50/p99 of the admin listing (`GET /sessions/active?status=…&limit=50`, following
 *   `nextCursor`) over 100 000 sessions seeded with bulk inserts, on SQLite or PostgreSQL.
 * PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test.
 * Run alone: `tsx bench/postgres.ts [sqlite|postgres|instances]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CamelCasePlugin, sql } from 'kysely';
import pg from 'pg';
import { createLogger } from '../server/log.js';
import type { KyselyStore } from '../server/store/kysely-store.js';
import { openPostgresStore } from '../server/store/postgres.js';
import type { SessionsTable } from '../server/store/schema.js';
import { openSqliteStore } from '../server/store/sqlite.js';
import { BENCH_ADMIN_TOKEN, BENCH_MERCHANT_KEY, spawnServer } from './procs.js';

export const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SEEDED_SESSIONS = Number(process.env.BENCH_ADMIN_SESSIONS ?? 100_000);
const PAGE_LIMIT = 50;
/** Pages followed per status filter (each filter starts at the newest session). */
const PAGES_PER_FILTER = Number(process.env.BENCH_ADMIN_PAGES ?? 60);
/** The admin dashboard's filters: the default (active), one final status, several statuses, everything. */
const FILTERS = ['', 'COMPLETED', 'INTERRUPTED,PROCESSING,RESUMED', 'all'];
const INSERT_BATCH = 1_000; // rows per INSERT: 19 columns × 1000 stays under both engines' bind-parameter limits

const log = (msg: string) => process.stderr.write(`[bench pg] ${msg}\n`);
const silent = createLogger('silent');

async function assertPostgres(): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('select 1');
  } catch (err) {
    throw new Error(`PostgreSQL not answering at ${PG_URL} (${(err as Error).message})`, { cause: err });
  } finally {
    await c.end().catch(() => {});
  }
}

async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  c.on('error', () => {});
  await c.connect();
  try {
    await c.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await c.end().catch(() => {});
  }
}

const benchSchema = (what: string) => `bench_${what}_${process.pid}_${randomBytes(3).toString('hex')}`;

/** n server processes sharing one fresh schema (rate limits lifted, as for every load run); `extraEnv` for their settings. */
export async function startPostgresInstances(
  n: number,
  extraEnv: Record<string, string> = {},
): Promise<{ urls: string[]; pids: number[]; merchantKey: string; adminToken: string; schema: string; stop(): Promise<void> }> {
  await assertPostgres();
  const schema = benchSchema('flow');
  const env = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, ...extraEnv };
  // The first creates and migrates the schema; the others start against it.
  const first = await spawnServer(env);
  const rest = await Promise.all(Array.from({ length: n - 1 }, () => spawnServer(env)));
  const procs = [first, ...rest];
  return {
    urls: procs.map((p) => p.url),
    pids: procs.map((p) => p.pid),
    merchantKey: BENCH_MERCHANT_KEY,
    adminToken: BENCH_ADMIN_TOKEN,
    schema,
    async stop() {
      await Promise.all(procs.map((p) => p.stop()));
      await dropSchema(schema);
    },
  };
}

// ---- admin listing

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const STATUS_MIX: [SessionsTable['status'], number][] = [
  ['COMPLETED', 0.55],
  ['EXPIRED', 0.15],
  ['CANCELLED', 0.08],
  ['FAILED_MAX_RETRIES', 0.04],
  ['INITIATED', 0.08],
  ['INTERRUPTED', 0.05],
  ['RESUMED', 0.03],
  ['PROCESSING', 0.02],
];

function pickStatus(r: number): SessionsTable['status'] {
  for (const [s, p] of STATUS_MIX) {
    if (r < p) return s;
    r -= p;
  }
  return 'COMPLETED';
}

function fakeSession(i: number, now: number): SessionsTable {
  const b = randomBytes(24);
  const id = 'cs_' + Array.from(b, (x) => ALNUM[x % ALNUM.length]).join('');
  // Spread over 30 days, ~several per millisecond-bucket collisions so keyset ties on createdAt happen.
  const createdAt = now - Math.floor((i / SEEDED_SESSIONS) * 30 * 86_400_000) - (b[0]! % 3);
  const status = pickStatus(b[1]! / 256 + b[2]! / 65_536);
  const final = ['COMPLETED', 'EXPIRED', 'CANCELLED', 'FAILED_MAX_RETRIES'].includes(status);
  const interrupted = status !== 'COMPLETED' && status !== 'INITIATED';
  const at = new Date(createdAt + 5_000).toISOString();
  return {
    id,
    orderId: `ord_${id.slice(3, 19)}`,
    userId: b[3]! % 2 ? `user_${b[4]}` : null,
    status,
    amount: 500 + (b[5]! << 4),
    currency: 'EUR',
    attempts: interrupted ? 2 : 1,
    maxAttempts: 3,
    chargedAttempt: status === 'INITIATED' ? 0 : 1,
    createdAt: createdAt,
    updatedAt: createdAt + 10_000,
    // A live database has no overdue non-final sessions (the sweeper expires them): the seeded active ones expire later.
    expiresAt: final ? createdAt + 900_000 : now + 900_000,
    finalAt: final ? createdAt + 10_000 : null,
    paymentId: status === 'COMPLETED' ? `ch_${id.slice(3)}` : null,
    lastError: interrupted ? JSON.stringify({ code: 'card_declined', message: 'The card was declined.' }) : null,
    metadata: JSON.stringify({
      interruptions: interrupted ? [{ at, reason: 'network', attempt: 1 }] : [],
      retries: interrupted ? [{ at, attempt: 2 }] : [],
      lastActivity: at,
    }),
    merchantMetadata: null,
    secretHash: randomBytes(32).toString('hex'),
    version: 3,
  };
}

export async function seedSessions(store: KyselyStore, count: number): Promise<void> {
  const now = Date.now();
  // The rows in the repositories' camelCase, through the same plugin (store/scope.ts).
  await store.db
    .withPlugin(new CamelCasePlugin())
    .transaction()
    .execute(async (db) => {
      for (let i = 0; i < count; i += INSERT_BATCH) {
        const rows = Array.from({ length: Math.min(INSERT_BATCH, count - i) }, (_, j) => fakeSession(i + j, now));
        await db.insertInto('sessions').values(rows).execute();
      }
    });
}

/**
 * What autovacuum would have done by now on a live database: planner statistics and the visibility map (without it the
 * filter's count(*) cannot be an index-only scan and becomes a sequential scan, ~50 ms here). A VACUUM cannot mark pages
 * all-visible while an older snapshot is open anywhere on the server (another run's transaction), so it is repeated
 * until the map covers the table.
 */
async function settleVisibilityMap(store: KyselyStore & { pool: pg.Pool }): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await store.pool.query('vacuum analyze sessions');
    const r = await store.pool.query<{ pages: number; visible: number }>(
      "select relpages as pages, relallvisible as visible from pg_class where oid = 'sessions'::regclass",
    );
    const { pages, visible } = r.rows[0]!;
    if (visible >= pages * 0.99) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  log('postgres: the visibility map did not cover the table (a long transaction elsewhere?); figures will be pessimistic');
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)]! * 100) / 100;
}

export interface AdminListingResult {
  engine: 'sqlite' | 'postgres';
  sessions: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  byFilter: Record<string, { requests: number; p50Ms: number; p99Ms: number; total: number }>;
}

/** Seeds SEEDED_SESSIONS sessions directly into the engine's store, starts one server on it, pages through the admin listing. */
export async function benchAdminListing(engine: 'sqlite' | 'postgres'): Promise<AdminListingResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-bench-admin-'));
  const schema = benchSchema('admin');
  let env: Record<string, string>;
  const t0 = performance.now();
  if (engine === 'postgres') {
    await assertPostgres();
    const store = await openPostgresStore({ url: PG_URL, schema, log: silent });
    try {
      await seedSessions(store, SEEDED_SESSIONS);
      await settleVisibilityMap(store);
    } finally {
      await store.close();
    }
    env = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, DATA_DIR: dataDir };
  } else {
    const store = await openSqliteStore({ path: join(dataDir, 'payments.sqlite') });
    try {
      await seedSessions(store, SEEDED_SESSIONS);
      await sql`analyze`.execute(store.db);
    } finally {
      await store.close();
    }
    env = { DATA_DIR: dataDir };
  }
  log(`${engine}: seeded ${SEEDED_SESSIONS} sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const server = await spawnServer(env);
  try {
    const all: number[] = [];
    const byFilter: AdminListingResult['byFilter'] = {};
    const get = async (query: string) => {
      const t = performance.now();
      const res = await fetch(`${server.url}/api/payments/sessions/active?${query}`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
      const body = (await res.json()) as { sessions: unknown[]; total: number; nextCursor: string | null };
      const ms = performance.now() - t;
      if (res.status !== 200) throw new Error(`admin listing answered ${res.status}: ${JSON.stringify(body)}`);
      return { ms, body };
    };
    // Warm-up: connections, statement caches, pages in memory.
    for (let i = 0; i < 30; i++) await get(`limit=${PAGE_LIMIT}&status=${FILTERS[i % FILTERS.length]}`);
    for (const status of FILTERS) {
      const times: number[] = [];
      let cursor: string | null = null;
      let total = 0;
      for (let page = 0; page < PAGES_PER_FILTER; page++) {
        const q = `status=${encodeURIComponent(status)}&limit=${PAGE_LIMIT}${cursor ? `&cursor=${cursor}` : ''}`;
        const { ms, body } = await get(q);
        times.push(ms);
        total = body.total;
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      all.push(...times);
      times.sort((a, b) => a - b);
      byFilter[status || 'active'] = { requests: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), total };
    }
    all.sort((a, b) => a - b);
    return {
      engine,
      sessions: SEEDED_SESSIONS,
      requests: all.length,
      p50Ms: percentile(all, 50),
      p99Ms: percentile(all, 99),
      maxMs: Math.round(all[all.length - 1]! * 100) / 100,
      byFilter,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (engine === 'postgres') await dropSchema(schema);
  }
}

// Standalone: tsx bench/postgres.ts sqlite|postgres|instances
if (import.meta.url === `file://${process.argv[1]}`) {
  const what = process.argv[2] ?? 'postgres';
  if (what === 'instances') {
    const inst = await startPostgresInstances(2);
    console.log(inst.urls);
    await inst.stop();
  } else {
    console.log(JSON.stringify(await benchAdminListing(what as 'sqlite' | 'postgres'), null, 2));
  }
}
