/**
 * The Store over Kysely, shared by SQLite and PostgreSQL. Engine-specific construction lives in sqlite.ts / postgres.ts;
 * everything here is SQL both engines accept (ON CONFLICT DO NOTHING, keyset paging, conditional updates).
 */
import { type Kysely, type Transaction, Migrator, sql } from 'kysely';
import type { DB, SessionsTable, ChargesTable, IdempotencyTable, ProcessorChargesTable } from './schema.js';
import { CompiledQueries, type SlotOf } from './compiled-queries.js';
import { migrationProvider } from './migrations.js';
import { WebhookOutbox, type WebhookDB } from '../webhooks/outbox.js';
import { type LedgerCharge, type LedgerChargeResult, type PgRunner, insertSessionUnlessPaidPg, kyselyRunner, ledgerChargePg, settleSucceededPg, startChargePg } from './pg-hot-paths.js';
import {
  type ChargeRow,
  type ChargeStart,
  type ChargeStartResult,
  type SettlementResult,
  type SuccessSettlement,
  type IdempotencyRow,
  LIVE_STATUSES,
  type ListSessionsQuery,
  type OrderRow,
  type ProcessorChargeRow,
  type ProcessorTokenRow,
  type ProductRow,
  type SessionRow,
  type SessionStatus,
  type Store,
} from './types.js';

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

export class KyselyStore implements Store {
  readonly engine: 'sqlite' | 'postgres';
  readonly #db: Kysely<DB> | Transaction<DB>;
  readonly #hooks: EngineHooks;
  /** Hot-path queries compiled once, shared with the stores of this store's transactions. */
  readonly #q: CompiledQueries;

  constructor(db: Kysely<DB> | Transaction<DB>, hooks: EngineHooks, queries = new CompiledQueries()) {
    this.#db = db;
    this.#hooks = hooks;
    this.#q = queries;
    this.engine = hooks.engine;
  }

  /** The raw query builder, for engine-specific extensions (LISTEN/NOTIFY, advisory locks). */
  get db(): Kysely<DB> {
    return this.#db as Kysely<DB>;
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.#db as Kysely<DB>, provider: migrationProvider, migrationTableSchema: this.#hooks.migrationTableSchema });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  }

  close(): Promise<void> {
    return this.#hooks.close();
  }

  durable(): Promise<void> {
    return this.#hooks.durable ? this.#hooks.durable() : Promise.resolve();
  }

  async ping(): Promise<void> {
    this.#hooks.check?.();
    await sql`select 1`.execute(this.#db);
  }

  runExclusive<T>(job: string, fn: () => Promise<T>): Promise<T | undefined> {
    return this.#hooks.exclusive ? this.#hooks.exclusive(job, fn) : fn();
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.#db.isTransaction) return fn(this);
    return (this.#db as Kysely<DB>).transaction().execute((trx) => fn(new KyselyStore(trx, this.#hooks, this.#q)));
  }

  webhookOutbox(): WebhookOutbox {
    return new WebhookOutbox(this.#db as unknown as Kysely<WebhookDB>, this.engine, this.#q);
  }

  #pg(): PgRunner {
    return this.#hooks.prepared ?? kyselyRunner(this.#db as Kysely<unknown>);
  }

  // ---- sessions

  async insertSession(row: SessionRow): Promise<void> {
    const values = sessionToDb(row);
    await this.#q.run(this.#db, shapeFor('insertSession', values), (slot) => this.#db.insertInto('sessions').values(slotsFor(values, slot)), values);
  }

  async insertSessionUnlessPaid(row: SessionRow): Promise<boolean> {
    if (this.engine === 'postgres') return insertSessionUnlessPaidPg(this.#db.isTransaction ? kyselyRunner(this.#db as Kysely<unknown>) : this.#pg(), sessionToDb(row) as unknown as Record<string, unknown>);
    if ((await this.getOrderPayment(row.orderId))?.state === 'paid') return false;
    await this.insertSession(row);
    return true;
  }

  async getSession(id: string): Promise<SessionRow | undefined> {
    const r = await this.#q.first(this.#db, 'getSession', (slot) => this.#db.selectFrom('sessions').selectAll().where('id', '=', slot('id')), { id });
    return r && sessionFromDb(r);
  }

  async updateSession(id: string, expectedVersion: number, patch: Partial<Omit<SessionRow, 'id' | 'version'>>): Promise<boolean> {
    const set = { ...sessionPatchToDb(patch), version: expectedVersion + 1 };
    const values = { ...set, where_id: id, where_version: expectedVersion };
    // One shape per set of columns (a patch sets a few of a fixed list).
    const updated = await this.#q.affected(
      this.#db,
      shapeFor('updateSession', set),
      (slot) =>
        this.#db
          .updateTable('sessions')
          .set(slotsFor(set, slot))
          .where('id', '=', slot('where_id'))
          .where('version', '=', slot('where_version')),
      values,
    );
    return updated === 1;
  }

  async listSessions(q: ListSessionsQuery): Promise<{ rows: SessionRow[]; total: number }> {
    let base = this.#db.selectFrom('sessions');
    if (q.statuses) base = base.where('status', 'in', q.statuses);
    // A row-value comparison, not the equivalent OR: both engines use it as an index range on (created_at, id), so a
    // deep page costs what the first does (PostgreSQL otherwise filters every newer row). The first page gets the same
    // range from +infinity: SQLite's planner then takes (status, created_at, id) and stops after `limit` rows per status,
    // instead of sorting every row of the filter out of the narrower status index.
    const { createdAt, id } = q.after ?? { createdAt: Number.MAX_SAFE_INTEGER, id: '' };
    const page = base.selectAll().where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
    const [rows, count] = await Promise.all([
      page.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map(sessionFromDb), total: Number(count.n) };
  }

  async countSessionsByStatus(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom('sessions')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async listExpiredCandidates(now: number, limit: number): Promise<SessionRow[]> {
    const rows = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('expires_at', '<', now)
      // The partial index sessions_live_expires, matched literally (both planners need its predicate as constants),
      // in its order: otherwise LIMIT tempts PostgreSQL into walking every long-expired final session (~40 ms at 100k).
      .where('status', 'in', LIVE_STATUSES.map((st) => sql.lit(st)))
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    return rows.map(sessionFromDb);
  }

  async purgeFinalSessions(before: number): Promise<number> {
    return this.transaction(async (tx) => {
      const db = (tx as KyselyStore).#db;
      const doomed = db.selectFrom('sessions').select('id').where('final_at', '<', before);
      await db.deleteFrom('charges').where('session_id', 'in', doomed).execute();
      const res = await db.deleteFrom('sessions').where('final_at', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows);
    });
  }

  async listSessionsActiveSince(since: number, limit: number): Promise<SessionRow[]> {
    // Recent outcomes from sessions_final_at (final_at >= since implies its final_at IS NOT NULL); the live sessions, in
    // no particular order, from an index on status (no sort, so the look-up stops at the limit).
    const [final, live] = await Promise.all([
      this.#db.selectFrom('sessions').selectAll().where('final_at', '>=', since).orderBy('final_at', 'desc').limit(limit).execute(),
      this.#db
        .selectFrom('sessions')
        .selectAll()
        .where('status', 'in', LIVE_STATUSES.map((st) => sql.lit(st)))
        .limit(limit)
        .execute(),
    ]);
    return [...final, ...live].map(sessionFromDb);
  }

  async listSessionsByOrder(orderId: string, limit: number): Promise<SessionRow[]> {
    const rows = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('order_id', '=', orderId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(sessionFromDb);
  }

  // ---- charges

  async insertCharge(row: ChargeRow): Promise<void> {
    const values = chargeToDb(row);
    await this.#q.run(this.#db, shapeFor('insertCharge', values), (slot) => this.#db.insertInto('charges').values(slotsFor(values, slot)), values);
  }

  async getCharge(chargeKey: string): Promise<ChargeRow | undefined> {
    const r = await this.#q.first(this.#db, 'getCharge', (slot) => this.#db.selectFrom('charges').selectAll().where('charge_key', '=', slot('chargeKey')), { chargeKey });
    return r && chargeFromDb(r);
  }

  async listCharges(sessionId: string): Promise<ChargeRow[]> {
    const rows = await this.#db
      .selectFrom('charges')
      .selectAll()
      .where('session_id', '=', sessionId)
      .orderBy('started_at')
      .execute();
    return rows.map(chargeFromDb);
  }

  async settleCharge(chargeKey: string, patch: Pick<ChargeRow, 'status' | 'resolvedAt' | 'paymentId' | 'errorCode'>): Promise<boolean> {
    const updated = await this.#q.affected(
      this.#db,
      'settleCharge',
      (slot) =>
        this.#db
          .updateTable('charges')
          .set({ status: slot('status'), resolved_at: slot('resolvedAt'), payment_id: slot('paymentId'), error_code: slot('errorCode') })
          .where('charge_key', '=', slot('chargeKey'))
          .where('status', 'in', ['pending', 'unknown']),
      { chargeKey, ...patch },
    );
    return updated === 1;
  }

  async markChargeUnknown(chargeKey: string): Promise<void> {
    await this.#db.updateTable('charges').set({ status: 'unknown' }).where('charge_key', '=', chargeKey).where('status', '=', 'pending').execute();
  }

  async startCharge(a: ChargeStart): Promise<ChargeStartResult> {
    if (this.engine === 'postgres' && !this.#db.isTransaction) return startChargePg(this.#pg(), a);
    try {
      return await this.transaction(async (tx) => {
        if (!(await tx.updateSession(a.sessionId, a.expectedVersion, a.patch))) return { ok: false, reason: 'version' } as const;
        const lock = await tx.lockOrder(a.orderId, a.sessionId, a.patch.updatedAt);
        if (!lock.ok) throw new Refused({ ok: false, reason: 'order', state: lock.state, sessionId: lock.sessionId });
        await tx.insertCharge(a.charge);
        await tx.finishIdempotency(a.idempotency.scope, a.idempotency.key, { state: 'in_flight', statusCode: null, responseBody: null, chargeKey: a.charge.chargeKey });
        return { ok: true } as const;
      });
    } catch (err) {
      if (err instanceof Refused) return err.result as ChargeStartResult; // thrown to undo the session's update
      throw err;
    }
  }

  async settleSucceeded(a: SuccessSettlement): Promise<SettlementResult> {
    if (this.engine === 'postgres') return settleSucceededPg(this.#db.isTransaction ? kyselyRunner(this.#db as Kysely<unknown>) : this.#pg(), a);
    try {
      return await this.transaction(async (tx) => {
        const resolved = { status: 'succeeded' as const, resolvedAt: a.resolvedAt, paymentId: a.paymentId, errorCode: null };
        if (!(await tx.settleCharge(a.chargeKey, resolved))) return 'already' as const;
        await tx.markOrderPaid(a.orderId, a.sessionId, a.resolvedAt);
        const patch = { status: 'COMPLETED' as const, paymentId: a.paymentId, lastError: null, finalAt: a.resolvedAt, updatedAt: a.resolvedAt };
        if (!(await tx.updateSession(a.sessionId, a.expectedVersion, patch))) throw new Refused('version');
        await tx.resolvePendingIdempotency(a.chargeKey, a.answer.statusCode, a.answer.responseBody);
        return 'settled' as const;
      });
    } catch (err) {
      if (err instanceof Refused) return err.result as SettlementResult;
      throw err;
    }
  }

  async listChargesToReconcile(now: number, limit: number): Promise<ChargeRow[]> {
    const rows = await this.#db
      .selectFrom('charges')
      .selectAll()
      .where((eb) => eb.or([eb('status', '=', 'unknown'), eb.and([eb('status', '=', 'pending'), eb('deadline_at', '<', now)])]))
      .orderBy('started_at')
      .limit(limit)
      .execute();
    return rows.map(chargeFromDb);
  }

  // ---- order payment lock

  async lockOrder(orderId: string, sessionId: string, now: number): ReturnType<Store['lockOrder']> {
    const inserted = await this.#q.affected(
      this.#db,
      'lockOrder',
      (slot) =>
        this.#db
          .insertInto('order_payments')
          .values({ order_id: slot('orderId'), session_id: slot('sessionId'), state: 'charging', updated_at: slot('now') })
          .onConflict((oc) => oc.column('order_id').doNothing()),
      { orderId, sessionId, now },
    );
    if (inserted === 1) return { ok: true } as const;
    const held = await this.getOrderPayment(orderId);
    if (!held) return this.lockOrder(orderId, sessionId, now); // released between the two statements
    if (held.state === 'charging' && held.sessionId === sessionId) return { ok: true } as const;
    return { ok: false, state: held.state, sessionId: held.sessionId } as const;
  }

  async releaseOrder(orderId: string, sessionId: string): Promise<void> {
    await this.#db
      .deleteFrom('order_payments')
      .where('order_id', '=', orderId)
      .where('session_id', '=', sessionId)
      .where('state', '=', 'charging')
      .execute();
  }

  async markOrderPaid(orderId: string, sessionId: string, now: number): Promise<void> {
    await this.#q.run(
      this.#db,
      'markOrderPaid',
      (slot) =>
        this.#db
          .insertInto('order_payments')
          .values({ order_id: slot('orderId'), session_id: slot('sessionId'), state: 'paid', updated_at: slot('now') })
          .onConflict((oc) => oc.column('order_id').doUpdateSet({ session_id: slot('sessionId'), state: 'paid', updated_at: slot('now') })),
      { orderId, sessionId, now },
    );
  }

  async getOrderPayment(orderId: string) {
    const r = await this.#q.first(this.#db, 'getOrderPayment', (slot) => this.#db.selectFrom('order_payments').selectAll().where('order_id', '=', slot('orderId')), { orderId });
    return r && { state: r.state as 'charging' | 'paid', sessionId: r.session_id };
  }

  // ---- idempotency

  async getIdempotency(scope: string, key: string): Promise<IdempotencyRow | undefined> {
    const r = await this.#q.first(
      this.#db,
      'getIdempotency',
      (slot) => this.#db.selectFrom('idempotency_keys').selectAll().where('scope', '=', slot('scope')).where('key', '=', slot('key')),
      { scope, key },
    );
    return r && idempotencyFromDb(r);
  }

  async insertIdempotency(row: IdempotencyRow): Promise<boolean> {
    const values: IdempotencyTable = {
      scope: row.scope,
      key: row.key,
      fingerprint: row.fingerprint,
      state: row.state,
      status_code: row.statusCode,
      response_body: row.responseBody,
      charge_key: row.chargeKey,
      created_at: row.createdAt,
      expires_at: row.expiresAt,
      lease_until: row.leaseUntil,
    };
    const inserted = await this.#q.affected(
      this.#db,
      shapeFor('insertIdempotency', values),
      (slot) =>
        this.#db
          .insertInto('idempotency_keys')
          .values(slotsFor(values, slot))
          .onConflict((oc) => oc.columns(['scope', 'key']).doNothing()),
      values,
    );
    return inserted === 1;
  }

  async takeOverIdempotency(scope: string, key: string, fingerprint: string, now: number, leaseUntil: number): Promise<boolean> {
    const res = await this.#db
      .updateTable('idempotency_keys')
      .set({ lease_until: leaseUntil })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('fingerprint', '=', fingerprint)
      .where('state', '=', 'in_flight')
      .where('lease_until', '<', now)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async finishIdempotency(scope: string, key: string, patch: Pick<IdempotencyRow, 'state' | 'statusCode' | 'responseBody' | 'chargeKey'>) {
    await this.#q.run(
      this.#db,
      'finishIdempotency',
      (slot) =>
        this.#db
          .updateTable('idempotency_keys')
          .set({ state: slot('state'), status_code: slot('statusCode'), response_body: slot('responseBody'), charge_key: slot('chargeKey') })
          .where('scope', '=', slot('scope'))
          .where('key', '=', slot('key'))
          // Only the request holding the key finishes it; a settlement may already have written the final answer.
          .where('state', '=', 'in_flight'),
      { scope, key, ...patch },
    );
  }

  async deleteIdempotency(scope: string, key: string): Promise<void> {
    await this.#q.run(
      this.#db,
      'deleteIdempotency',
      (slot) => this.#db.deleteFrom('idempotency_keys').where('scope', '=', slot('scope')).where('key', '=', slot('key')),
      { scope, key },
    );
  }

  async resolvePendingIdempotency(chargeKey: string, statusCode: number, responseBody: string): Promise<void> {
    await this.#q.run(
      this.#db,
      'resolvePendingIdempotency',
      (slot) =>
        this.#db
          .updateTable('idempotency_keys')
          .set({ state: 'done', status_code: slot('statusCode'), response_body: slot('responseBody') })
          .where('charge_key', '=', slot('chargeKey'))
          .where('state', '!=', 'done'),
      { chargeKey, statusCode, responseBody },
    );
  }

  async purgeIdempotency(now: number): Promise<number> {
    const res = await this.#db
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<', now)
      .where('state', '!=', 'pending')
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  // ---- demo store

  async upsertProducts(rows: ProductRow[]): Promise<void> {
    for (const p of rows) {
      await this.#db
        .insertInto('store_products')
        .values({ product_id: p.productId, name: p.name, price: p.price, currency: p.currency, image: p.image })
        .onConflict((oc) => oc.column('product_id').doUpdateSet({ name: p.name, price: p.price, currency: p.currency, image: p.image }))
        .execute();
    }
  }

  async listProducts(): Promise<ProductRow[]> {
    const rows = await this.#db.selectFrom('store_products').selectAll().orderBy('product_id').execute();
    return rows.map(productFromDb);
  }

  async getProducts(ids: string[]): Promise<ProductRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db.selectFrom('store_products').selectAll().where('product_id', 'in', ids).execute();
    return rows.map(productFromDb);
  }

  async insertOrder(row: OrderRow): Promise<void> {
    await this.#db
      .insertInto('store_orders')
      .values({ order_id: row.orderId, amount: row.amount, currency: row.currency, items: JSON.stringify(row.items), created_at: row.createdAt })
      .execute();
  }

  async getOrder(orderId: string): Promise<OrderRow | undefined> {
    const r = await this.#db.selectFrom('store_orders').selectAll().where('order_id', '=', orderId).executeTakeFirst();
    return r && { orderId: r.order_id, amount: Number(r.amount), currency: r.currency, items: JSON.parse(r.items), createdAt: Number(r.created_at) };
  }

  // ---- test processor's own ledger

  async insertProcessorToken(row: ProcessorTokenRow): Promise<void> {
    const values = {
      token: row.token,
      brand: row.brand,
      last4: row.last4,
      behaviour: row.behaviour,
      created_at: row.createdAt,
      expires_at: row.expiresAt,
      used_at: row.usedAt,
    };
    await this.#q.run(this.#db, shapeFor('insertProcessorToken', values), (slot) => this.#db.insertInto('processor_tokens').values(slotsFor(values, slot)), values);
  }

  async getProcessorToken(token: string): Promise<ProcessorTokenRow | undefined> {
    const r = await this.#q.first(this.#db, 'getProcessorToken', (slot) => this.#db.selectFrom('processor_tokens').selectAll().where('token', '=', slot('token')), { token });
    return (
      r && {
        token: r.token,
        brand: r.brand,
        last4: r.last4,
        behaviour: r.behaviour,
        createdAt: Number(r.created_at),
        expiresAt: Number(r.expires_at),
        usedAt: r.used_at === null ? null : Number(r.used_at),
      }
    );
  }

  async useProcessorToken(token: string, now: number): Promise<boolean> {
    const updated = await this.#q.affected(
      this.#db,
      'useProcessorToken',
      (slot) => this.#db.updateTable('processor_tokens').set({ used_at: slot('now') }).where('token', '=', slot('token')).where('used_at', 'is', null),
      { token, now },
    );
    return updated === 1;
  }

  async insertProcessorCharge(row: ProcessorChargeRow): Promise<boolean> {
    const values: ProcessorChargesTable = {
      charge_id: row.chargeId,
      session_id: row.sessionId,
      idempotency_key: row.idempotencyKey,
      amount: row.amount,
      currency: row.currency,
      status: row.status,
      failure_code: row.failureCode,
      created_at: row.createdAt,
      brand: row.brand ?? undefined,
      last4: row.last4 ?? undefined,
    };
    const inserted = await this.#q.affected(
      this.#db,
      shapeFor('insertProcessorCharge', values),
      (slot) =>
        this.#db
          .insertInto('processor_charges')
          .values(slotsFor(values, slot))
          .onConflict((oc) => oc.column('idempotency_key').doNothing()),
      values,
    );
    return inserted === 1;
  }

  /**
   * The test processor's whole charge in one statement where the engine has one (PostgreSQL, outside a transaction):
   * `undefined` means "not here, do it step by step"; null, that a concurrent call with the key recorded first.
   */
  async ledgerChargeAtOnce(a: LedgerCharge): Promise<LedgerChargeResult | null | undefined> {
    if (this.engine !== 'postgres' || this.#db.isTransaction) return undefined;
    return ledgerChargePg(this.#pg(), a);
  }

  async getProcessorChargeByKey(idempotencyKey: string): Promise<ProcessorChargeRow | undefined> {
    const r = await this.#q.first(
      this.#db,
      'getProcessorChargeByKey',
      (slot) => this.#db.selectFrom('processor_charges').selectAll().where('idempotency_key', '=', slot('idempotencyKey')),
      { idempotencyKey },
    );
    return r && processorChargeFromDb(r);
  }

  async listProcessorCharges(filter: { sessionId?: string; limit: number }): Promise<ProcessorChargeRow[]> {
    let q = this.#db.selectFrom('processor_charges').selectAll();
    if (filter.sessionId) q = q.where('session_id', '=', filter.sessionId);
    const rows = await q.orderBy('created_at', 'desc').limit(filter.limit).execute();
    return rows.map(processorChargeFromDb);
  }
}

/** Thrown inside a transaction to roll it back while answering `result`. */
class Refused extends Error {
  constructor(readonly result: unknown) {
    super('refused');
  }
}

/** The row with a slot in place of each value; undefined values are left out, as Kysely leaves them out of a query. */
function slotsFor<T extends object>(row: T, slot: SlotOf<T>): T {
  return Object.fromEntries(definedKeys(row).map((k) => [k, slot(k as keyof T & string)])) as T;
}

/** A query shape's name for a row of values: the columns it carries are part of the shape. */
function shapeFor(name: string, row: object): string {
  return `${name}:${definedKeys(row).join(',')}`;
}

function definedKeys(row: object): string[] {
  return Object.keys(row).filter((k) => (row as Record<string, unknown>)[k] !== undefined);
}

// ---- row mapping (JSON columns are text; bigint columns come back as numbers via each engine's type parsing)

function sessionToDb(r: SessionRow): SessionsTable {
  return {
    id: r.id,
    order_id: r.orderId,
    user_id: r.userId,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    attempts: r.attempts,
    max_attempts: r.maxAttempts,
    charged_attempt: r.chargedAttempt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    expires_at: r.expiresAt,
    final_at: r.finalAt,
    payment_id: r.paymentId,
    last_error: r.lastError ? JSON.stringify(r.lastError) : null,
    metadata: JSON.stringify(r.metadata),
    merchant_metadata: r.merchantMetadata ? JSON.stringify(r.merchantMetadata) : null,
    secret_hash: r.secretHash,
    version: r.version,
  };
}

const SESSION_COLUMNS: Record<string, keyof SessionsTable> = {
  orderId: 'order_id',
  userId: 'user_id',
  status: 'status',
  amount: 'amount',
  currency: 'currency',
  attempts: 'attempts',
  maxAttempts: 'max_attempts',
  chargedAttempt: 'charged_attempt',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  expiresAt: 'expires_at',
  finalAt: 'final_at',
  paymentId: 'payment_id',
  secretHash: 'secret_hash',
};

function sessionPatchToDb(patch: Partial<SessionRow>): Partial<SessionsTable> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'lastError') out.last_error = v ? JSON.stringify(v) : null;
    else if (k === 'metadata') out.metadata = JSON.stringify(v);
    else if (k === 'merchantMetadata') out.merchant_metadata = v ? JSON.stringify(v) : null;
    else if (SESSION_COLUMNS[k]) out[SESSION_COLUMNS[k]] = v;
  }
  return out as Partial<SessionsTable>;
}

function num(v: number | null): number | null {
  return v === null ? null : Number(v);
}

function sessionFromDb(r: SessionsTable): SessionRow {
  return {
    id: r.id,
    orderId: r.order_id,
    userId: r.user_id,
    status: r.status as SessionStatus,
    amount: Number(r.amount),
    currency: r.currency,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    chargedAttempt: Number(r.charged_attempt),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    expiresAt: Number(r.expires_at),
    finalAt: num(r.final_at),
    paymentId: r.payment_id,
    lastError: r.last_error ? JSON.parse(r.last_error) : null,
    metadata: JSON.parse(r.metadata),
    merchantMetadata: r.merchant_metadata ? JSON.parse(r.merchant_metadata) : null,
    secretHash: r.secret_hash,
    version: Number(r.version),
  };
}

function chargeToDb(r: ChargeRow): ChargesTable {
  return {
    charge_key: r.chargeKey,
    session_id: r.sessionId,
    attempt: r.attempt,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    started_at: r.startedAt,
    deadline_at: r.deadlineAt,
    resolved_at: r.resolvedAt,
    payment_id: r.paymentId,
    error_code: r.errorCode,
  };
}

function chargeFromDb(r: ChargesTable): ChargeRow {
  return {
    chargeKey: r.charge_key,
    sessionId: r.session_id,
    attempt: Number(r.attempt),
    status: r.status as ChargeRow['status'],
    amount: Number(r.amount),
    currency: r.currency,
    startedAt: Number(r.started_at),
    deadlineAt: Number(r.deadline_at),
    resolvedAt: num(r.resolved_at),
    paymentId: r.payment_id,
    errorCode: r.error_code,
  };
}

function idempotencyFromDb(r: IdempotencyTable): IdempotencyRow {
  return {
    scope: r.scope,
    key: r.key,
    fingerprint: r.fingerprint,
    state: r.state as IdempotencyRow['state'],
    statusCode: num(r.status_code),
    responseBody: r.response_body,
    chargeKey: r.charge_key,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    leaseUntil: Number(r.lease_until),
  };
}

function productFromDb(r: { product_id: string; name: string; price: number; currency: string; image: string | null }): ProductRow {
  return { productId: r.product_id, name: r.name, price: Number(r.price), currency: r.currency, image: r.image };
}

function processorChargeFromDb(r: ProcessorChargesTable): ProcessorChargeRow {
  return {
    chargeId: r.charge_id,
    sessionId: r.session_id,
    idempotencyKey: r.idempotency_key,
    amount: Number(r.amount),
    currency: r.currency,
    status: r.status as ProcessorChargeRow['status'],
    failureCode: r.failure_code,
    createdAt: Number(r.created_at),
    brand: r.brand ?? null,
    last4: r.last4 ?? null,
  };
}
