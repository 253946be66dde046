/**
 * Group commit for SQLite: the statements and transactions of one turn of the event loop share one SQLite transaction,
 * committed once at the end of that turn, instead of one commit (WAL frames written through the file system) each.
 *
 * - The first statement of a turn opens the group (BEGIN IMMEDIATE); a setImmediate commits it once the connection is
 *   free. Each Kysely transaction is a savepoint inside the group: its rollback undoes its own work only.
 * - Work is durable only when its group has committed: `durable()` resolves then (and rejects when the group could not
 *   commit). The server holds every answer until then, and waits for it before it calls a payment processor, so
 *   nothing anyone was told, and nothing an outside system acted on, can be lost by a crash.
 * - A statement error that ends the whole SQLite transaction (a full disk, an I/O error), or a failed COMMIT, fails the
 *   group: all its work is rolled back. The store then stops (as PostgreSQL stops on a failed fsync): every later
 *   statement and every `durable()` fails with STORE_STOPPED, so nobody who wrote into the lost group, whenever they ask,
 *   is told it is durable, and health checks fail until a restart recovers from what was committed.
 */
import type Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Dialect,
  type Kysely,
} from 'kysely';

interface Group {
  done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

/** The store stopped after a lost group; `code` lets the API answer 503 storage_unavailable. */
class StoreStoppedError extends Error {
  readonly code = 'STORE_STOPPED';

  constructor(cause: unknown) {
    super(`SQLite store stopped after a failed commit (${(cause as { code?: string })?.code ?? (cause as Error)?.message ?? cause})`);
    this.name = 'StoreStoppedError';
  }
}

function newGroup(): Group {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  done.catch(() => {}); // a group nobody waits on must not be an unhandled rejection
  return { done, resolve, reject };
}

/** One user of the connection at a time (a transaction keeps it across its statements), as Kysely's own driver does. */
class Mutex {
  #held: Promise<void> | null = null;
  #release: (() => void) | null = null;

  async lock(): Promise<void> {
    while (this.#held) await this.#held;
    this.#held = new Promise((r) => (this.#release = r));
  }

  unlock(): void {
    const release = this.#release;
    this.#held = null;
    this.#release = null;
    release?.();
  }
}

export class GroupCommitDriver implements Driver {
  readonly #sqlite: Database.Database;
  readonly #statements: Pick<SqliteDatabase, 'prepare'>;
  readonly #mutex = new Mutex();
  readonly #connection: DatabaseConnection;
  #group: Group | null = null;
  #commitScheduled = false;
  #savepoints = 0;
  #stopped: StoreStoppedError | null = null;

  constructor(sqlite: Database.Database, statements: Pick<SqliteDatabase, 'prepare'>) {
    this.#sqlite = sqlite;
    this.#statements = statements;
    this.#connection = {
      executeQuery: <R>(q: CompiledQuery) => this.#execute(q) as Promise<QueryResult<R>>,
      streamQuery: () => {
        throw new Error('streaming is not supported');
      },
    };
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
    this.#scheduleCommit();
  }

  async beginTransaction(): Promise<void> {
    this.#open();
    this.#sqlite.exec(`SAVEPOINT tx${++this.#savepoints}`);
  }

  async commitTransaction(): Promise<void> {
    if (this.#stopped) throw this.#stopped; // its savepoint went with the lost group
    this.#sqlite.exec(`RELEASE tx${this.#savepoints--}`);
  }

  async rollbackTransaction(): Promise<void> {
    if (this.#stopped || this.#savepoints === 0) return; // gone with the lost group: nothing left to undo
    const name = `tx${this.#savepoints--}`;
    this.#sqlite.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
  }

  async savepoint(): Promise<void> {
    throw new Error('nested savepoints are not supported');
  }

  async rollbackToSavepoint(): Promise<void> {
    throw new Error('nested savepoints are not supported');
  }

  async releaseSavepoint(): Promise<void> {
    throw new Error('nested savepoints are not supported');
  }

  /** Resolves when everything run so far is committed; rejects if any of it was lost (the store has stopped). */
  durable(): Promise<void> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return this.#group ? this.#group.done : Promise.resolve();
  }

  async destroy(): Promise<void> {
    await this.#commit();
    this.#sqlite.close();
  }

  #open(): void {
    if (this.#stopped) throw this.#stopped;
    if (this.#group) return;
    this.#sqlite.exec('BEGIN IMMEDIATE');
    this.#group = newGroup();
  }

  #execute(compiled: CompiledQuery): Promise<QueryResult<unknown>> {
    this.#open();
    try {
      const stmt = this.#statements.prepare(compiled.sql);
      if (stmt.reader) return Promise.resolve({ rows: stmt.all(compiled.parameters) as unknown[] });
      const { changes, lastInsertRowid } = stmt.run(compiled.parameters);
      return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
    } catch (err) {
      // Most errors undo one statement; some end the whole transaction, and with it the group.
      if (!this.#sqlite.inTransaction) this.#fail(err);
      return Promise.reject(err);
    }
  }

  #fail(err: unknown): void {
    const group = this.#group;
    this.#group = null;
    this.#savepoints = 0;
    this.#stopped ??= new StoreStoppedError(err);
    group?.reject(this.#stopped);
  }

  #scheduleCommit(): void {
    if (!this.#group || this.#commitScheduled) return;
    this.#commitScheduled = true;
    setImmediate(() => void this.#commit());
  }

  async #commit(): Promise<void> {
    await this.#mutex.lock(); // after any transaction in progress
    try {
      this.#commitScheduled = false;
      const group = this.#group;
      if (!group) return;
      try {
        this.#sqlite.exec('COMMIT');
        this.#group = null;
        group.resolve();
      } catch (err) {
        this.#fail(err);
        try {
          if (this.#sqlite.inTransaction) this.#sqlite.exec('ROLLBACK');
        } catch {
          // the store has stopped either way
        }
      }
    } finally {
      this.#mutex.unlock();
    }
  }
}

export class GroupCommitSqliteDialect implements Dialect {
  readonly driver: GroupCommitDriver;

  constructor(sqlite: Database.Database, statements: Pick<SqliteDatabase, 'prepare'>) {
    this.driver = new GroupCommitDriver(sqlite, statements);
  }

  createDriver(): Driver {
    return this.driver;
  }

  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }

  createAdapter() {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db);
  }
}
