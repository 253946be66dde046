/**
 * The webhook outbox (migration 0006_webhooks): one event row per final state change, one delivery row per URL, one
 * attempt row per POST. Events are written inside the transaction that changes the session (`tx.webhooks` of
 * the transaction's repositories), so a committed change always has its event and a rolled-back one never does.
 *
 * Claiming: a delivery is due when `pending`, `next_attempt_at <= now` and its lease has run out. `claim` leases due rows
 * to one owner with one conditional UPDATE (PostgreSQL picks them with FOR UPDATE SKIP LOCKED, so instances sharing the
 * database never take the same row); `finish` applies only while the caller still holds the lease.
 */
import { type ExpressionBuilder, type Kysely, type Transaction, sql } from 'kysely';
import { CompiledQueries, type SlotOf } from '../store/compiled-queries.js';
import {
  type AttemptRecord,
  type ClaimedDelivery,
  type DeliveryRow,
  type DeliveryStatus,
  type NewEvent,
  type WebhookDB,
  type WebhookDeliveriesTable,
  deliveryFromDb,
} from './outbox-rows.js';

/** Attempt rows kept per delivery (a redelivered delivery keeps growing its count, not its rows). */
export const ATTEMPTS_KEPT = 50;

export class WebhookOutbox {
  readonly #db: Kysely<WebhookDB> | Transaction<WebhookDB>;
  readonly #engine: 'sqlite' | 'postgres';
  /** The per-event statements, compiled once per shape (Kysely's build + compile cost more than running them). */
  readonly #q: CompiledQueries;

  constructor(db: Kysely<WebhookDB> | Transaction<WebhookDB>, engine: 'sqlite' | 'postgres', queries = new CompiledQueries()) {
    this.#db = db;
    this.#engine = engine;
    this.#q = queries;
  }

  /** Writes the event and its deliveries (due at once). Call it with the store of the transaction that changes the session. */
  async insertEvent(e: NewEvent): Promise<void> {
    const db = this.#db;
    const event = { id: e.id, type: e.type, session_id: e.sessionId, payload: e.payload, created_at: e.createdAt };
    await this.#q.run(
      db,
      'webhookInsertEvent',
      (slot) =>
        db
          .insertInto('webhook_events')
          .values({ id: slot('id'), type: slot('type'), session_id: slot('session_id'), payload: slot('payload'), created_at: slot('created_at') }),
      event,
    );
    const n = e.deliveries.length;
    if (!n) return;
    const values: Record<string, unknown> = { event_id: e.id, type: e.type, session_id: e.sessionId, at: e.createdAt };
    e.deliveries.forEach((d, i) => Object.assign(values, { [`id${i}`]: d.id, [`url${i}`]: d.url }));
    await this.#q.run(
      db,
      `webhookInsertDeliveries:${n}`,
      // The slots' names are built per delivery (`id0`, `url0`, …), so their values are typed where they are put in.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (slot: any) =>
        db.insertInto('webhook_deliveries').values(
          Array.from({ length: n }, (_, i) => ({
            id: slot(`id${i}`),
            event_id: slot('event_id'),
            type: slot('type'),
            session_id: slot('session_id'),
            url: slot(`url${i}`),
            status: 'pending',
            attempts: 0,
            step: 0,
            next_attempt_at: slot('at'),
            lease_until: 0,
            lease_owner: null,
            last_status_code: null,
            last_error: null,
            created_at: slot('at'),
            updated_at: slot('at'),
          })),
        ),
      values,
    );
  }

  /** Leases up to `limit` due deliveries to `owner` until `leaseUntil`, counting the attempt; returns them with their payloads. */
  async claim(now: number, limit: number, owner: string, leaseUntil: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    type Claimed = WebhookDeliveriesTable & { payload: string | null };
    const values = { now, limit, owner, leaseUntil };
    // One statement, compiled once: lease the due rows and return them with their event's payload.
    const build = (slot: SlotOf<typeof values>) => {
      const set = (eb: ExpressionBuilder<WebhookDB, 'webhook_deliveries'>) => ({
        lease_until: slot('leaseUntil'),
        lease_owner: slot('owner'),
        attempts: eb('attempts', '+', 1),
        updated_at: slot('now'),
      });
      const payload = (eb: ExpressionBuilder<WebhookDB, 'webhook_deliveries'>) =>
        eb.selectFrom('webhook_events').select('payload').whereRef('webhook_events.id', '=', 'webhook_deliveries.event_id').as('payload');
      const due = (db: Kysely<WebhookDB>) =>
        db
          .selectFrom('webhook_deliveries')
          .select('id')
          // A literal, as the partial index webhook_deliveries_due spells it (SQLite uses a partial index only for constants).
          .where('status', '=', sql.lit('pending'))
          .where('next_attempt_at', '<=', slot('now'))
          .where('lease_until', '<=', slot('now'))
          .orderBy('next_attempt_at')
          .limit(slot('limit'));
      if (this.#engine === 'postgres') {
        // The rows are picked once, in a materialized CTE, skipping rows another instance has locked: an `IN (subquery)`
        // may be re-run by the planner and, with SKIP LOCKED, pick other rows each time (more than `limit`).
        return (this.#db as Kysely<WebhookDB>)
          .with(
            (cte) => cte('due').materialized(),
            (db) =>
              due(db as Kysely<WebhookDB>)
                .forUpdate()
                .skipLocked(),
          )
          .updateTable('webhook_deliveries')
          .from('due')
          .set(set)
          .whereRef('webhook_deliveries.id', '=', 'due.id')
          .where('webhook_deliveries.lease_until', '<=', slot('now'))
          .returningAll('webhook_deliveries')
          .returning(payload);
      }
      // One writer at a time: the conditional update is the lease.
      const db = this.#db as Kysely<WebhookDB>;
      return db.updateTable('webhook_deliveries').set(set).where('id', 'in', due(db)).where('lease_until', '<=', slot('now')).returningAll().returning(payload);
    };
    const rows = (await this.#q.run<typeof values, Claimed>(this.#db, 'webhookClaim', build, values)).rows;
    return rows.map((r) => ({ ...deliveryFromDb(r), payload: r.payload ?? '' }));
  }

  /**
   * Records an attempt and moves the delivery on, if `owner` still holds its lease: `delivered`, or back to `pending`
   * at `nextAttemptAt` (one step further in the schedule), or `failed` when `nextAttemptAt` is null. False when the lease was lost.
   */
  async finish(
    deliveryId: string,
    owner: string,
    outcome: { delivered: boolean; nextAttemptAt: number | null; now: number },
    attempt: AttemptRecord,
  ): Promise<boolean> {
    const status: DeliveryStatus = outcome.delivered ? 'delivered' : outcome.nextAttemptAt === null ? 'failed' : 'pending';
    const db = this.#db;
    const values = {
      status,
      next_attempt_at: status === 'pending' ? outcome.nextAttemptAt : null,
      last_status_code: attempt.statusCode,
      last_error: attempt.error,
      updated_at: outcome.now,
      id: deliveryId,
      owner,
    };
    // Two shapes: a delivered attempt keeps its place in the schedule, any other moves one step on.
    const updated = await this.#q.affected(
      db,
      `webhookFinish:${outcome.delivered ? 'delivered' : 'retry'}`,
      (slot) =>
        db
          .updateTable('webhook_deliveries')
          .set((eb) => ({
            status: slot('status'),
            step: outcome.delivered ? eb.ref('step') : eb('step', '+', 1),
            next_attempt_at: slot('next_attempt_at'),
            lease_until: 0,
            lease_owner: null,
            last_status_code: slot('last_status_code'),
            last_error: slot('last_error'),
            updated_at: slot('updated_at'),
          }))
          .where('id', '=', slot('id'))
          .where('lease_owner', '=', slot('owner')),
      values,
    );
    if (updated !== 1) return false;
    const row = {
      delivery_id: deliveryId,
      attempt: attempt.attempt,
      started_at: attempt.startedAt,
      duration_ms: attempt.durationMs,
      status_code: attempt.statusCode,
      error: attempt.error,
      body_excerpt: attempt.bodyExcerpt,
    };
    await this.#q.run(
      db,
      'webhookInsertAttempt',
      (slot) =>
        db
          .insertInto('webhook_attempts')
          .values({
            delivery_id: slot('delivery_id'),
            attempt: slot('attempt'),
            started_at: slot('started_at'),
            duration_ms: slot('duration_ms'),
            status_code: slot('status_code'),
            error: slot('error'),
            body_excerpt: slot('body_excerpt'),
          })
          .onConflict((oc) => oc.doNothing()),
      row,
    );
    if (attempt.attempt > ATTEMPTS_KEPT) {
      await this.#db
        .deleteFrom('webhook_attempts')
        .where('delivery_id', '=', deliveryId)
        .where('attempt', '<=', attempt.attempt - ATTEMPTS_KEPT)
        .execute();
    }
    return true;
  }

  /** Makes a delivery due now from the start of the schedule, whatever its status. False when there is no such delivery. */
  async redeliver(deliveryId: string, now: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', step: 0, next_attempt_at: now, updated_at: now })
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async getDelivery(deliveryId: string): Promise<DeliveryRow | undefined> {
    const r = await this.#db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
    return r && deliveryFromDb(r);
  }

  /** Newest first; keyset paging on (created_at, id). */
  async listDeliveries(q: { status: DeliveryStatus | null; limit: number; after: { createdAt: number; id: string } | null }): Promise<DeliveryRow[]> {
    let query = this.#db.selectFrom('webhook_deliveries').selectAll();
    if (q.status) query = query.where('status', '=', q.status);
    const { createdAt, id } = q.after ?? { createdAt: Number.MAX_SAFE_INTEGER, id: '' };
    const rows = await query
      .where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .execute();
    return rows.map(deliveryFromDb);
  }

  /** Latest attempts first. */
  async listAttempts(deliveryId: string): Promise<AttemptRecord[]> {
    const rows = await this.#db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt', 'desc').execute();
    return rows.map((r) => ({
      attempt: r.attempt,
      startedAt: Number(r.started_at),
      durationMs: r.duration_ms,
      statusCode: r.status_code,
      error: r.error,
      bodyExcerpt: r.body_excerpt,
    }));
  }

  /** Events of sessions (for tests and the admin): the webhook-ids recorded for one session, oldest first. */
  async listEvents(sessionId: string): Promise<{ id: string; type: string; payload: string; createdAt: number }[]> {
    const rows = await this.#db.selectFrom('webhook_events').selectAll().where('session_id', '=', sessionId).orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, type: r.type, payload: r.payload, createdAt: Number(r.created_at) }));
  }

  /** Deletes events (with their deliveries and attempts) whose deliveries are all settled and older than `before`. */
  async purge(before: number): Promise<number> {
    const old = this.#db
      .selectFrom('webhook_events')
      .select('id')
      .where('created_at', '<', before)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(selectFrom('webhook_deliveries').select(sql.lit(1).as('one')).whereRef('event_id', '=', 'webhook_events.id').where('status', '=', 'pending')),
        ),
      )
      .limit(1_000);
    const ids = (await old.execute()).map((r) => r.id);
    if (!ids.length) return 0;
    const deliveries = this.#db.selectFrom('webhook_deliveries').select('id').where('event_id', 'in', ids);
    await this.#db.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute();
    await this.#db.deleteFrom('webhook_deliveries').where('event_id', 'in', ids).execute();
    await this.#db.deleteFrom('webhook_events').where('id', 'in', ids).execute();
    return ids.length;
  }
}
