/**
 * The Store over Kysely, shared by SQLite and PostgreSQL: the root scope's repositories (repositories/*.ts) plus what
 * only the whole store does (migrations, health, durability, exclusive jobs, transactions). Engine-specific construction
 * lives in sqlite.ts / postgres.ts; the repositories use SQL both engines accept.
 */
import { type Kysely, Migrator, sql } from 'kysely';
import type { ProcessorLedger } from '../processor/ledger.js';
import type { WebhookOutbox } from '../webhooks/outbox.js';
import { migrationProvider } from './migrations.js';
import type { DB } from './schema.js';
import { type EngineHooks, Scope, StoreShared } from './scope.js';
import type { ChargeRepository, IdempotencyRepository, Repositories, SessionRepository, ShopRepository, Store } from './types.js';

export type { EngineHooks } from './scope.js';

export class KyselyStore implements Store {
  /** Without plugins: migrations, and engine-specific extensions (`db`). */
  readonly #db: Kysely<DB>;
  readonly #scope: Scope;
  readonly #repos: Repositories;

  constructor(db: Kysely<DB>, hooks: EngineHooks) {
    const shared = new StoreShared(hooks);
    this.#db = db;
    this.#scope = new Scope(db.withPlugin(shared.camelCase), shared);
    this.#repos = this.#scope.repos;
  }

  get engine(): 'sqlite' | 'postgres' {
    return this.#scope.engine;
  }

  /** The raw query builder, for engine-specific extensions (LISTEN/NOTIFY, advisory locks). */
  get db(): Kysely<DB> {
    return this.#db;
  }

  get sessions(): SessionRepository {
    return this.#repos.sessions;
  }
  get charges(): ChargeRepository {
    return this.#repos.charges;
  }
  get idempotency(): IdempotencyRepository {
    return this.#repos.idempotency;
  }
  get shop(): ShopRepository {
    return this.#repos.shop;
  }
  get ledger(): ProcessorLedger {
    return this.#repos.ledger;
  }
  get webhooks(): WebhookOutbox {
    return this.#repos.webhooks;
  }

  async migrate(): Promise<void> {
    const { hooks } = this.#scope;
    const migrator = new Migrator({ db: this.#db, provider: migrationProvider, migrationTableSchema: hooks.migrationTableSchema });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  }

  close(): Promise<void> {
    return this.#scope.hooks.close();
  }

  durable(): Promise<void> {
    const { hooks } = this.#scope;
    return hooks.durable ? hooks.durable() : Promise.resolve();
  }

  async ping(): Promise<void> {
    this.#scope.hooks.check?.();
    await sql`select 1`.execute(this.#scope.db);
  }

  runExclusive<T>(job: string, fn: () => Promise<T>): Promise<T | undefined> {
    const { hooks } = this.#scope;
    return hooks.exclusive ? hooks.exclusive(job, fn) : fn();
  }

  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.#scope.transaction(fn);
  }
}
