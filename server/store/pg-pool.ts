/**
 * The pg connection pool behind the PostgreSQL store: every connection uses the configured schema (search_path set at
 * connection start-up, so no extra round trip), and no connection error can crash the process — a dead connection makes
 * the queries on it fail (→ 503 storage_unavailable) and the pool opens fresh ones once the database answers again.
 */
import pg from 'pg';
import type { Logger } from '../log.js';

/** int8 (bigint: our ms timestamps, amounts and count(*)) as JS numbers. Global to the pg module; every value we store fits in 2^53. */
const INT8_OID = 20;
pg.types.setTypeParser(INT8_OID, (v) => Number(v));

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
/** Requests fail fast (503) rather than queue behind a database that does not answer. */
const CONNECT_TIMEOUT_MS = 3_000;
const IDLE_TIMEOUT_MS = 30_000;

export interface PgPoolOptions {
  url: string;
  schema: string;
  log: Logger;
  /** Pool size (default 10). */
  max?: number;
}

export interface PgPool {
  pool: pg.Pool;
  /** Settings for a client outside the pool (the LISTEN connection). */
  clientConfig: pg.ClientConfig;
  /** Backend process ids of this pool's connections: notifications they sent are our own. */
  ownPids: ReadonlySet<number>;
}

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema) || schema.length > 63) throw new Error(`invalid PostgreSQL schema name: ${schema}`);
}

export function createPgPool(opts: PgPoolOptions): PgPool {
  assertSchemaName(opts.schema);
  const clientConfig: pg.ClientConfig = {
    connectionString: opts.url,
    // Names the schema too: an operator (or a test) can tell which deployment a backend belongs to.
    application_name: `payment-checkout/${opts.schema}`.slice(0, 63),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
  };
  const pool = new pg.Pool({
    ...clientConfig,
    // Sent in the start-up packet: every pooled connection, including ones opened after a reconnect, lives in our schema.
    connectionString: withStartupOption(opts.url, `-c search_path=${opts.schema}`),
    // At least 2: an exclusive job holds one connection for its lock while its queries need another.
    max: Math.max(2, opts.max ?? 10),
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
  });
  const ownPids = new Set<number>();
  // An idle client's error is re-emitted by the pool: without a listener it would be an uncaught 'error' event.
  pool.on('error', (err) => opts.log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'postgres: idle connection lost'));
  pool.on('connect', (client) => {
    // pg-pool drops its own listener while a client is checked out; a connection that dies between two queries of a
    // transaction would then throw an uncaught 'error'. The query in progress (or the next one) fails and reports it.
    client.on('error', () => {});
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid) ownPids.add(pid);
  });
  pool.on('remove', (client) => {
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid) ownPids.delete(pid);
  });
  return { pool, clientConfig, ownPids };
}

/** Adds a server setting to the URL's `options` (pg lets parameters in the URL override the config object's, so it goes there). */
function withStartupOption(url: string, option: string): string {
  const u = new URL(url);
  u.searchParams.set('options', [u.searchParams.get('options'), option].filter(Boolean).join(' '));
  return u.toString();
}

/** CREATE SCHEMA IF NOT EXISTS, tolerating another instance creating it at the same moment. */
export async function ensureSchema(pool: pg.Pool, schema: string): Promise<void> {
  assertSchemaName(schema);
  try {
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (err) {
    // "if not exists" still races in PostgreSQL: the loser gets unique_violation (23505) or duplicate_schema (42P06).
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw err;
  }
}

/**
 * Runs `fn` only if no other process on this database (and schema) is running the job `name`: a session-level advisory
 * lock held on one pooled connection for the duration. Returns undefined without running when another holds it.
 * If the connection dies, PostgreSQL releases the lock; the jobs guarded this way are idempotent, so an overlap after
 * such a loss costs duplicate work, never a duplicate effect.
 */
export async function runExclusive<T>(pool: pg.Pool, schema: string, name: string, fn: () => Promise<T>): Promise<T | undefined> {
  const key = `payment-checkout:${schema}:${name}`;
  const client = await pool.connect();
  let locked = false;
  let broken = false;
  try {
    const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [key]);
    locked = r.rows[0]!.ok;
    if (!locked) return undefined;
    return await fn();
  } catch (err) {
    if (!locked) broken = true; // the lock query itself failed: the connection is suspect
    throw err;
  } finally {
    if (locked) {
      await client.query('select pg_advisory_unlock(hashtext($1))', [key]).catch(() => {
        broken = true; // destroying the connection releases the lock
      });
    }
    client.release(broken);
  }
}
