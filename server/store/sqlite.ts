/** The embedded default store: one SQLite file in DATA_DIR, WAL mode, through better-sqlite3. */
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { mkdirSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DB } from './schema.js';
import { KyselyStore } from './kysely-store.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { fileIdentity, type StorageFault } from './sqlite-faults.js';
import { GroupCommitSqliteDialect, type SqliteConnection } from './sqlite-group-commit.js';

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  path: string;
  synchronous?: 'NORMAL' | 'FULL';
  /** How often the background worker checkpoints the WAL (default 250 ms; 0 = SQLite's own automatic checkpoints). */
  checkpointIntervalMs?: number;
  /** Told when a background checkpoint fails (the next one retries). */
  onCheckpointError?: (code: string) => void;
  /** Told once when the store faults (disk full, a lost commit, the data file removed or replaced): see sqlite-faults.ts. */
  onFault?: (fault: StorageFault) => void;
  /** Told when the store answers again after a fault. */
  onRecover?: () => void;
  /** How often a faulted store tries to recover (default 1000 ms). */
  recoverIntervalMs?: number;
}

/** Automatic checkpoints on the server's connection only past this many WAL pages (~40 MB): a safety net for the worker. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

function openConnection(opts: SqliteOptions): SqliteConnection {
  const sqlite = new Database(opts.path);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives a crash of this process (kill -9); FULL adds fsync per commit for power loss.
  sqlite.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  if (opts.path !== ':memory:' && (opts.checkpointIntervalMs ?? 250) > 0) sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  return { sqlite, statements: withStatementCache(sqlite) };
}

/**
 * Below this much free space a store that faulted stays down: a write of one page could fit in WAL space SQLite
 * reuses, and the next real group would fail again (the store would flap, and its log with it).
 */
const RECOVERY_FREE_BYTES = 1024 * 1024;

/** The recovery probe: room on the file system, then one real write (a page into the WAL), committed. */
function probeWrite(path: string, sqlite: Database.Database): void {
  if (path !== ':memory:') {
    const fs = statfsSync(dirname(path));
    if (fs.bavail * fs.bsize < RECOVERY_FREE_BYTES) throw new Error('still no room');
  }
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    sqlite.prepare('UPDATE kysely_migration_lock SET is_locked = is_locked').run();
    sqlite.exec('COMMIT');
  } finally {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
  }
}

export async function openSqliteStore(opts: SqliteOptions): Promise<KyselyStore> {
  if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
  const first = openConnection(opts);
  const identity = fileIdentity(opts.path);
  let recovering: NodeJS.Timeout | null = null;
  // One commit per turn of the event loop for all the work of that turn (see sqlite-group-commit.ts).
  const dialect = new GroupCommitSqliteDialect(first, {
    verify: identity.check,
    onFault: (fault) => {
      opts.onFault?.(fault);
      if (fault.final || recovering) return;
      recovering = setInterval(() => {
        const settled = () => {
          const fault = dialect.driver.fault;
          if (fault && !fault.final) return; // still failing (or faulted again): the next tick tries again
          clearInterval(recovering!);
          recovering = null;
          if (!fault) opts.onRecover?.();
        };
        dialect.driver
          .recover(
            () => openConnection(opts),
            (sqlite) => probeWrite(opts.path, sqlite),
          )
          .then(settled, settled);
      }, opts.recoverIntervalMs ?? 1_000);
      recovering.unref();
    },
  });
  const db = new Kysely<DB>({ dialect });
  const intervalMs = opts.path === ':memory:' ? 0 : (opts.checkpointIntervalMs ?? 250);
  let stopCheckpoints = async () => {};
  const store = new KyselyStore(db, {
    engine: 'sqlite',
    durable: () => dialect.driver.durable(),
    check: () => dialect.driver.check(),
    close: async () => {
      if (recovering) clearInterval(recovering);
      await stopCheckpoints();
      await db.destroy(); // the last connection to close checkpoints what is left and removes the WAL
    },
  });
  await store.migrate();
  await store.durable();
  if (intervalMs > 0) {
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
