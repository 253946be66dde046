/** The embedded default store: one SQLite file in DATA_DIR, WAL mode, through better-sqlite3. */
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DB } from './schema.js';
import { KyselyStore } from './kysely-store.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { GroupCommitSqliteDialect } from './sqlite-group-commit.js';

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  path: string;
  synchronous?: 'NORMAL' | 'FULL';
  /** How often the background worker checkpoints the WAL (default 250 ms; 0 = SQLite's own automatic checkpoints). */
  checkpointIntervalMs?: number;
  /** Told when a background checkpoint fails (the next one retries). */
  onCheckpointError?: (code: string) => void;
}

/** Automatic checkpoints on the server's connection only past this many WAL pages (~40 MB): a safety net for the worker. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

export async function openSqliteStore(opts: SqliteOptions): Promise<KyselyStore> {
  if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
  const sqlite = new Database(opts.path);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives a crash of this process (kill -9); FULL adds fsync per commit for power loss.
  sqlite.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // One commit per turn of the event loop for all the work of that turn (see sqlite-group-commit.ts).
  const dialect = new GroupCommitSqliteDialect(sqlite, withStatementCache(sqlite));
  const db = new Kysely<DB>({ dialect });
  const intervalMs = opts.path === ':memory:' ? 0 : (opts.checkpointIntervalMs ?? 250);
  let stopCheckpoints = async () => {};
  const store = new KyselyStore(db, {
    engine: 'sqlite',
    durable: () => dialect.driver.durable(),
    close: async () => {
      await stopCheckpoints();
      await db.destroy(); // the last connection to close checkpoints what is left and removes the WAL
    },
  });
  await store.migrate();
  await store.durable();
  if (intervalMs > 0) {
    sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    const checkpointer = startCheckpointer({
      path: opts.path,
      synchronous: opts.synchronous ?? 'NORMAL',
      intervalMs,
      onError: opts.onCheckpointError ?? (() => {}),
    });
    stopCheckpoints = () => checkpointer.stop();
  }
  return store;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew; compiling the statement was the largest single cost per request.
 * The queries are built from a fixed set of shapes, so prepared statements are cached by SQL text. A hit costs one
 * look-up (no reordering); past the bound the oldest entry goes, which only a stream of ad-hoc shapes would reach.
 */
function withStatementCache(sqlite: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) return stmt;
      stmt = sqlite.prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
