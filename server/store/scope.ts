/**
 * One connection's view of the store: the root Kysely instance or a transaction's, with the engine's helpers and the
 * compiled hot-path queries shared by every scope of one store. The repositories of a scope are built on first use.
 * The repositories' Kysely carries CamelCasePlugin (camelCase in TypeScript, the tables' snake_case in SQL); the
 * webhook outbox is written against the snake_case names and gets the same connection without it.
 */
import { CamelCasePlugin, type Kysely, type Transaction } from 'kysely';
import type { ProcessorLedger } from '../processor/ledger.js';
import { WebhookOutbox } from '../webhooks/outbox.js';
import type { WebhookDB } from '../webhooks/outbox-rows.js';
import { CompiledQueries } from './compiled-queries.js';
import { type PgRunner, kyselyRunner } from './pg-hot-paths.js';
import { KyselyCharges } from './repositories/charges.js';
import { KyselyIdempotency } from './repositories/idempotency.js';
import { KyselyLedger } from './repositories/ledger.js';
import { KyselySessions } from './repositories/sessions.js';
import { KyselyShop } from './repositories/shop.js';
import type { DB } from './schema.js';
import type { ChargeRepository, IdempotencyRepository, Repositories, SessionRepository, ShopRepository } from './types.js';

export interface EngineHooks {
  engine: 'sqlite' | 'postgres';
  close(): Promise<void>;
  /** SQLite's group commit: resolves once everything written so far is committed. Absent: every commit is already durable. */
  durable?(): Promise<void>;
  /** SQLite: throws when the store has faulted (disk full, a lost commit, the data file removed); run by `ping()`. */
  check?(): void;
  /** PostgreSQL: where kysely_migration lives. Without it Kysely's Migrator takes one found in any schema of the database. */
  migrationTableSchema?: string;
  /** Several processes on one database: runs fn only if no other holds the job (else undefined). Absent: one process, just run it. */
  exclusive?<T>(job: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** PostgreSQL: runs the one-statement checkout steps (pg-hot-paths.ts) as named prepared statements. Absent: through Kysely. */
  prepared?: PgRunner;
}

/** CamelCasePlugin with its two mappings public: for rows and statements that do not pass through Kysely. */
export class CamelCase extends CamelCasePlugin {
  row(row: Record<string, unknown>): Record<string, unknown> {
    return this.mapRow(row);
  }
  /** A camelCase key as the tables spell it. */
  column(key: string): string {
    return this.snakeCase(key);
  }
}

/** What every scope of one store shares: the engine's helpers and the hot-path queries, compiled once. */
export class StoreShared {
  readonly hooks: EngineHooks;
  readonly camelCase = new CamelCase();
  /** The repositories' compiled queries (rows that bypass Kysely, PostgreSQL's prepared statements, mapped as the plugin would). */
  readonly q: CompiledQueries;
  /** The webhook outbox's (snake_case rows). */
  readonly outboxQ: CompiledQueries;

  constructor(hooks: EngineHooks) {
    this.hooks = hooks;
    this.q = new CompiledQueries(hooks.prepared, (row) => this.camelCase.row(row));
    this.outboxQ = new CompiledQueries(hooks.prepared);
  }
}

export class Scope {
  /** With CamelCasePlugin. */
  readonly db: Kysely<DB> | Transaction<DB>;
  readonly shared: StoreShared;
  #repos: ScopeRepositories | undefined;

  constructor(db: Kysely<DB> | Transaction<DB>, shared: StoreShared) {
    this.db = db;
    this.shared = shared;
  }

  get hooks(): EngineHooks {
    return this.shared.hooks;
  }

  get q(): CompiledQueries {
    return this.shared.q;
  }

  get engine(): 'sqlite' | 'postgres' {
    return this.hooks.engine;
  }

  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  get repos(): Repositories {
    return (this.#repos ??= new ScopeRepositories(this));
  }

  /** Runs fn atomically; inside a transaction already, in that one. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this.repos);
    return (this.db as Kysely<DB>).transaction().execute((trx) => fn(new Scope(trx, this.shared).repos));
  }

  /** Runs PostgreSQL's one-statement steps: on the transaction's connection inside one, else as prepared statements. */
  pg(): PgRunner {
    if (this.db.isTransaction) return kyselyRunner(this.db as Kysely<unknown>);
    return this.hooks.prepared ?? kyselyRunner(this.db as Kysely<unknown>);
  }
}

/** A scope's repositories, each made when first asked for (most requests touch two or three). */
export class ScopeRepositories implements Repositories {
  readonly #scope: Scope;
  #sessions?: SessionRepository;
  #charges?: ChargeRepository;
  #idempotency?: IdempotencyRepository;
  #shop?: ShopRepository;
  #ledger?: ProcessorLedger;
  #webhooks?: WebhookOutbox;

  constructor(scope: Scope) {
    this.#scope = scope;
  }

  get sessions(): SessionRepository {
    return (this.#sessions ??= new KyselySessions(this.#scope));
  }
  get charges(): ChargeRepository {
    return (this.#charges ??= new KyselyCharges(this.#scope));
  }
  get idempotency(): IdempotencyRepository {
    return (this.#idempotency ??= new KyselyIdempotency(this.#scope));
  }
  get shop(): ShopRepository {
    return (this.#shop ??= new KyselyShop(this.#scope));
  }
  get ledger(): ProcessorLedger {
    return (this.#ledger ??= new KyselyLedger(this.#scope));
  }
  get webhooks(): WebhookOutbox {
    const s = this.#scope;
    return (this.#webhooks ??= new WebhookOutbox(s.db.withoutPlugins() as unknown as Kysely<WebhookDB>, s.engine, s.shared.outboxQ));
  }
}
