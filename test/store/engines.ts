/**
 * The engines the store suites run on, and the PostgreSQL test database.
 *
 * - `TEST_ENGINES=sqlite,postgres` (default both) filters the list.
 * - PostgreSQL: `TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test). Each test file works in its own
 *   schema `t_<pid>_<random>`, dropped at the end. When no PostgreSQL answers: with CI=true the suite fails; otherwise
 *   the PostgreSQL half is skipped with a printed notice.
 * - A test that restarts PostgreSQL takes an exclusive advisory lock first; every other PostgreSQL suite holds the
 *   shared lock while it runs (`pgRestartGuard`), so suites in parallel files never see each other's outage.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, it } from 'vitest';
import { createLogger } from '../../server/log.js';
import { openSqliteStore } from '../../server/store/sqlite.js';
import { openPostgresStore } from '../../server/store/postgres.js';
import type { KyselyStore } from '../../server/store/kysely-store.js';
import { clearTables } from './fixtures.js';

export type Engine = 'sqlite' | 'postgres';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
export const ENGINES: Engine[] = (process.env.TEST_ENGINES ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is Engine => s === 'sqlite' || s === 'postgres');

/** Key of the advisory lock that orders "restart PostgreSQL" against every suite using it. */
const RESTART_LOCK_KEY = 0x70635f72; // "pc_r"

export const silentLog = createLogger('silent');

/** True when PostgreSQL answers within `waitMs` (a restart by a parallel suite may be finishing; CI waits longer, since it must not skip). */
export async function probePostgres(waitMs = IN_CI ? 20_000 : 5_000): Promise<boolean> {
  const until = Date.now() + waitMs;
  for (;;) {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('select 1');
      return true;
    } catch {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await c.end().catch(() => {});
    }
  }
}

/** Probed once per file, at import: describe blocks need the answer when they are collected. */
export const PG_AVAILABLE = ENGINES.includes('postgres') ? await probePostgres() : false;

/**
 * Call inside `describe('postgres', …)` before registering its tests: true = run them. Otherwise outside CI it prints a
 * notice (the caller registers nothing: skipped); in CI it registers one failing test naming the reason.
 */
export function requirePostgres(): boolean {
  if (PG_AVAILABLE) return true;
  if (IN_CI) {
    it(`PostgreSQL answers at ${PG_URL} (required when CI=true)`, () => {
      throw new Error(`PostgreSQL is not answering at ${PG_URL}; CI requires the PostgreSQL tests (set TEST_DATABASE_URL or start PostgreSQL).`);
    });
    return false;
  }
  console.warn(`[test/store] PostgreSQL not answering at ${PG_URL}: PostgreSQL tests skipped (they are required when CI=true).`);
  it.skip('PostgreSQL tests (no PostgreSQL answering)', () => {});
  return false;
}

export function newSchemaName(): string {
  return `t_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function pgQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return await c.query(text, values);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function dropSchema(schema: string): Promise<void> {
  // Retried: a restart in a parallel file may just be ending.
  for (let i = 0; ; i++) {
    try {
      await pgQuery(`drop schema if exists "${schema}" cascade`);
      return;
    } catch (err) {
      if (i >= 20) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Opens a migrated store of the engine: SQLite in memory, PostgreSQL in the given schema. */
export async function openTestStore(engine: Engine, schema?: string): Promise<KyselyStore> {
  if (engine === 'sqlite') return openSqliteStore({ path: ':memory:' });
  return openPostgresStore({ url: PG_URL, schema: schema!, log: silentLog, poolMax: 5 });
}

/**
 * A suite's store on `engine`, opened once for the describe block it is called in: PostgreSQL in its own schema under
 * the shared restart guard (so a restart in a parallel file waits for it), closed and dropped at the end, every table
 * (and `alsoClear`) emptied before each test. `use` receives the store, and the schema it lives in, once opened.
 */
export function useTestStore(engine: Engine, use: (store: KyselyStore, schema: string) => void, alsoClear: readonly string[] = []): void {
  let store: KyselyStore | undefined;
  let schema: string;
  let releaseGuard: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (engine === 'postgres') releaseGuard = await pgRestartGuard();
    schema = newSchemaName();
    store = await openTestStore(engine, schema);
    use(store, schema);
  });
  afterAll(async () => {
    await store?.close();
    if (engine === 'postgres') await dropSchema(schema);
    await releaseGuard?.();
  });
  beforeEach(async () => {
    await clearTables(store!);
    for (const t of alsoClear) await sql`delete from ${sql.table(t)}`.execute(store!.db);
  });
}

/** Holds the shared side of the restart lock until the returned function is called. */
export async function pgRestartGuard(): Promise<() => Promise<void>> {
  for (let i = 0; ; i++) {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('select pg_advisory_lock_shared($1)', [RESTART_LOCK_KEY]);
      return () => c.end().catch(() => {});
    } catch (err) {
      // Killed by the very restart it queued behind: wait for the database and take it again.
      await c.end().catch(() => {});
      if (i >= 60) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Waits until no other suite of ours uses PostgreSQL, then holds the exclusive side (released by the restart itself, or
 * the returned fn). Courtesy to other runs on the same machine (chaos, bench): also waits up to `politeMs` for servers of
 * other schemas to disconnect, then goes ahead anyway.
 */
export async function pgRestartExclusive(ownSchema: string, politeMs = 30_000): Promise<() => Promise<void>> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  c.on('error', () => {});
  await c.connect();
  await c.query('select pg_advisory_lock($1)', [RESTART_LOCK_KEY]);
  for (const until = Date.now() + politeMs; Date.now() < until;) {
    const r = await c.query("select count(*)::int as n from pg_stat_activity where application_name like 'payment-checkout/%' and application_name <> $1", [
      `payment-checkout/${ownSchema}`,
    ]);
    if (r.rows[0].n === 0) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  return () => c.end().catch(() => {});
}
