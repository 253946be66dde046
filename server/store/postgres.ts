/**
 * The PostgreSQL store (DATABASE_URL=postgres://…): the shared KyselyStore over Kysely's PostgresDialect, in the schema
 * DATABASE_SCHEMA (created if missing), plus LISTEN/NOTIFY session events so several instances can share one database.
 * What differs from SQLite lives in pg-pool.ts (connections, type parsing, advisory locks) and pg-events.ts.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type { SessionEvents } from '../domain/model.js';
import type { Logger } from '../log.js';
import { KyselyStore } from './kysely-store.js';
import { PgSessionEvents } from './pg-events.js';
import { preparedStatements } from './pg-hot-paths.js';
import { createPgPool, ensureSchema, runExclusive } from './pg-pool.js';
import type { DB } from './schema.js';

export interface PostgresOptions {
  url: string;
  /** Schema holding the tables (default public). */
  schema: string;
  log: Logger;
  /** Pool size (default 10). */
  poolMax?: number;
}

/** Opens the store (migrated to the latest version) without the event listener: tools, seeding, tests. */
export async function openPostgresStore(opts: PostgresOptions): Promise<KyselyStore & { pool: import('pg').Pool }> {
  const { store } = await openParts(opts);
  return store;
}

export async function openPostgres(opts: PostgresOptions): Promise<{ store: KyselyStore; events: SessionEvents }> {
  const { store, pool, clientConfig, ownPids } = await openParts(opts);
  const events = new PgSessionEvents({ pool, clientConfig, schema: opts.schema, ownPids, log: opts.log });
  try {
    await events.start();
  } catch (err) {
    await events.close();
    await store.close();
    throw err;
  }
  return { store, events };
}

async function openParts(opts: PostgresOptions) {
  const { pool, clientConfig, ownPids } = createPgPool({ url: opts.url, schema: opts.schema, log: opts.log, max: opts.poolMax });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const prepared = preparedStatements(pool);
  const store = Object.assign(
    new KyselyStore(db, {
      engine: 'postgres',
      close: () => db.destroy(),
      migrationTableSchema: opts.schema,
      exclusive: (name, fn) => runExclusive(pool, opts.schema, name, fn),
      prepared,
    }),
    { pool },
  );
  try {
    await ensureSchema(pool, opts.schema);
    await store.migrate();
  } catch (err) {
    await db.destroy().catch(() => {});
    throw err;
  }
  return { store, pool, clientConfig, ownPids };
}
