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
 *   group: all its work is rolled back, and the store faults (sqlite-faults.ts): every later statement and every
 *   `durable()` fails with a StorageFault until `recover()` has replaced the connection, so nobody who wrote into the
 *   lost group, whenever they ask, is told it is durable.
 * - After every COMMIT, before the group's writers are told, `verify()` checks the database file is still the one opened.
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
import { faultFrom, type StorageFault } from './sqlite-faults.js';

interface Group {
  done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

/** A connection and its statement cache; replaced together when the store recovers from a fault. */
export interface SqliteConnection {
  sqlite: Database.Database;
  statements: Pick<SqliteDatabase, 'prepare'>;
}

export interface GroupCommitHooks {
  /** Throws a StorageFault when the database file is no longer the one opened. Runs after every COMMIT. */
  verify(): void;
  /** Told when the store faults (once per fault, not per failing statement). */
  onFault(fault: StorageFault): void;
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
  #sqlite: Database.Database;
  #statements: Pick<SqliteDatabase, 'prepare'>;
  readonly #hooks: GroupCommitHooks;
  readonly #mutex = new Mutex();
  readonly #connection: DatabaseConnection;
  #group: Group | null = null;
  #commitScheduled = false;
  #savepoints = 0;
  #fault: StorageFault | null = null;

  constructor(connection: SqliteConnection, hooks: GroupCommitHooks) {
    this.#sqlite = connection.sqlite;
    this.#statements = connection.statements;
    this.#hooks = hooks;
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
    if (this.#fault) throw this.#fault; // its savepoint went with the lost group
    this.#sqlite.exec(`RELEASE tx${this.#savepoints--}`);
  }

  async rollbackTransaction(): Promise<void> {
    if (this.#fault || this.#savepoints === 0) return; // gone with the lost group: nothing left to undo
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

  /** Resolves when everything run so far is committed; rejects if any of it was lost (the store has faulted). */
  durable(): Promise<void> {
    if (this.#fault) return Promise.reject(this.#fault);
    return this.#group ? this.#group.done : Promise.resolve();
  }

  /** The fault the store is in, or null while it works. */
  get fault(): StorageFault | null {
    return this.#fault;
  }

  /** Health check: throws the store's fault, or faults it now if the database file is no longer the one opened. */
  check(): void {
    if (this.#fault) throw this.#fault;
    try {
      this.#hooks.verify();
    } catch (err) {
      this.#fail(err);
      throw this.#fault;
    }
  }

  /**
   * After a fault that waiting can cure: closes the connection, asks `open` for a new one, and returns to service once
   * `probe` has committed a write on it. Throws (still faulted) when any step fails; the caller tries again later.
   */
  async recover(open: () => SqliteConnection, probe: (sqlite: Database.Database) => void): Promise<void> {
    await this.#mutex.lock();
    try {
      if (!this.#fault || this.#fault.final) return;
      try {
        this.#hooks.verify();
      } catch (err) {
        this.#fail(err); // the file went meanwhile: final
        throw this.#fault;
      }
      try {
        this.#sqlite.close(); // rolls back whatever the failed commit left open
      } catch {
        // already closed by an earlier try
      }
      const next = open();
      try {
        probe(next.sqlite);
      } catch (err) {
        next.sqlite.close();
        throw err;
      }
      this.#sqlite = next.sqlite;
      this.#statements = next.statements;
      this.#fault = null;
    } finally {
      this.#mutex.unlock();
    }
  }

  async destroy(): Promise<void> {
    await this.#commit();
    if (this.#sqlite.open) this.#sqlite.close();
  }

  #open(): void {
    if (this.#fault) throw this.#fault;
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
    const first = !this.#fault;
    // A final fault (the file is gone) outranks the commit error it may have caused.
    const fault = faultFrom(err);
    if (first || (fault.final && !this.#fault!.final)) {
      this.#fault = fault;
      this.#hooks.onFault(fault);
    }
    group?.reject(this.#fault);
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
      } catch (err) {
        this.#fail(err);
        try {
          if (this.#sqlite.inTransaction) this.#sqlite.exec('ROLLBACK');
        } catch {
          // the store has faulted either way
        }
        return;
      }
      try {
        this.#hooks.verify(); // committed, but to the file the server opened: is that still the data directory's?
      } catch (err) {
        this.#fail(err);
        return;
      }
      this.#group = null;
      group.resolve();
    } finally {
      this.#mutex.unlock();
    }
  }
}

export class GroupCommitSqliteDialect implements Dialect {
  readonly driver: GroupCommitDriver;

  constructor(connection: SqliteConnection, hooks: GroupCommitHooks) {
    this.driver = new GroupCommitDriver(connection, hooks);
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

  // Kysely's Dialect interface declares it so.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db);
  }
}
