/**
 * The store's hot-path queries, built and compiled once per shape. Kysely builds a query from immutable nodes and
 * compiles it with a visitor on every call, which under the checkout load cost as much CPU as executing the query.
 * Here a query is built once with named slots where its values go; each later call only puts its values into the
 * compiled parameter list. The SQL is the one Kysely compiled, so it is the same on both engines as before.
 * On PostgreSQL, outside a transaction, they run as named prepared statements (pg-hot-paths.ts `preparedStatements`):
 * parsed and planned once per connection instead of on every call.
 */
import { type Compilable, CompiledQuery, type QueryResult } from 'kysely';
import type { PgRunner } from './pg-hot-paths.js';

/** Where a value goes; Kysely passes it through into the compiled parameters. */
class Slot {
  constructor(readonly name: string) {}
}

/** Marks a value's place in a query being built: `slot('id')` stands for `values.id`. */
export type SlotOf<V> = <K extends keyof V & string>(name: K) => V[K];

interface Shape {
  sql: string;
  parameters: readonly unknown[];
}

export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  readonly isTransaction?: boolean;
}

/** The statements whose row count Kysely reports as numAffectedRows (as its PostgreSQL driver does). */
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

export class CompiledQueries {
  readonly #shapes = new Map<string, Shape>();
  readonly #prepared: PgRunner | undefined;
  readonly #mapRow: ((row: Record<string, unknown>) => unknown) | undefined;

  /**
   * `prepared`: runs statements outside a transaction (PostgreSQL); inside one they go through its connection.
   * `mapRow`: what the Kysely instance's plugins do to a result row (CamelCasePlugin), done here to rows that bypass it.
   */
  constructor(prepared?: PgRunner, mapRow?: (row: Record<string, unknown>) => unknown) {
    this.#prepared = prepared;
    this.#mapRow = mapRow;
  }

  /**
   * Runs the query named `shape` with `values`. `build` is called only the first time a shape is used, so everything
   * that varies between calls must be a slot, or be part of the shape's name (e.g. the columns an update sets).
   */
  run<V extends object, R = unknown>(db: QueryRunner, shape: string, build: (slot: SlotOf<V>) => Compilable<R>, values: V): Promise<QueryResult<R>> {
    let s = this.#shapes.get(shape);
    if (!s) {
      const compiled = build(((name: string) => new Slot(name)) as SlotOf<V>).compile();
      s = { sql: compiled.sql, parameters: compiled.parameters };
      this.#shapes.set(shape, s);
    }
    const parameters = s.parameters.map((p) => (p instanceof Slot ? (values as Record<string, unknown>)[p.name] : p));
    if (this.#prepared && !db.isTransaction) return this.#runPrepared<R>(s.sql, parameters);
    return db.executeQuery(CompiledQuery.raw(s.sql, parameters) as CompiledQuery<R>);
  }

  async #runPrepared<R>(sql: string, parameters: unknown[]): Promise<QueryResult<R>> {
    const r = await this.#prepared!(sql, parameters);
    const rows = (this.#mapRow && r.rows.length ? r.rows.map((row) => this.#mapRow!(row as Record<string, unknown>)) : r.rows) as R[];
    return r.command && WRITES.has(r.command) ? { rows, numAffectedRows: BigInt(r.rowCount ?? 0) } : { rows };
  }

  async first<V extends object, R>(db: QueryRunner, shape: string, build: (slot: SlotOf<V>) => Compilable<R>, values: V): Promise<R | undefined> {
    return (await this.run(db, shape, build, values)).rows[0];
  }

  /** Rows inserted, updated or deleted. */
  async affected<V extends object>(db: QueryRunner, shape: string, build: (slot: SlotOf<V>) => Compilable<unknown>, values: V): Promise<number> {
    return Number((await this.run(db, shape, build, values)).numAffectedRows ?? 0);
  }
}
