/** Sessions: conditional updates on a version, keyset listing, and the sweeper's and analytics' reads. */
import { type Kysely, sql } from 'kysely';
import { LIVE_STATUSES, type SessionRow } from '../../domain/model.js';
import { insertSessionUnlessPaidPg } from '../pg-hot-paths.js';
import { sessionFromDb, sessionPatchToDb, sessionToDb, shapeFor, slotsFor } from '../rows.js';
import type { DB } from '../schema.js';
import type { Scope } from '../scope.js';
import type { ListSessionsQuery, SessionPatch, SessionRepository } from '../types.js';

export class KyselySessions implements SessionRepository {
  readonly #s: Scope;

  constructor(scope: Scope) {
    this.#s = scope;
  }

  async insert(row: SessionRow): Promise<void> {
    const { db, q } = this.#s;
    const values = sessionToDb(row);
    await q.run(db, shapeFor('insertSession', values), (slot) => db.insertInto('sessions').values(slotsFor(values, slot)), values);
  }

  async insertUnlessPaid(row: SessionRow): Promise<boolean> {
    if (this.#s.engine === 'postgres') {
      // The one statement is written out in snake_case (pg-hot-paths.ts): the values by the tables' names.
      const { camelCase } = this.#s.shared;
      const values = Object.fromEntries(Object.entries(sessionToDb(row)).map(([k, v]) => [camelCase.column(k), v]));
      return insertSessionUnlessPaidPg(this.#s.pg(), values);
    }
    if ((await this.#s.repos.charges.getOrderPayment(row.orderId))?.state === 'paid') return false;
    await this.insert(row);
    return true;
  }

  async get(id: string): Promise<SessionRow | undefined> {
    const { db, q } = this.#s;
    const r = await q.first(db, 'getSession', (slot) => db.selectFrom('sessions').selectAll().where('id', '=', slot('id')), { id });
    return r && sessionFromDb(r);
  }

  async update(id: string, expectedVersion: number, patch: SessionPatch): Promise<boolean> {
    const { db, q } = this.#s;
    const set = { ...sessionPatchToDb(patch), version: expectedVersion + 1 };
    const values = { ...set, whereId: id, whereVersion: expectedVersion };
    // One shape per set of columns (a patch sets a few of a fixed list).
    const updated = await q.affected(
      db,
      shapeFor('updateSession', set),
      (slot) => db.updateTable('sessions').set(slotsFor(set, slot)).where('id', '=', slot('whereId')).where('version', '=', slot('whereVersion')),
      values,
    );
    return updated === 1;
  }

  async list(q: ListSessionsQuery): Promise<{ rows: SessionRow[]; total: number }> {
    let base = this.#s.db.selectFrom('sessions');
    if (q.statuses) base = base.where('status', 'in', q.statuses);
    // A row-value comparison, not the equivalent OR: both engines use it as an index range on (created_at, id), so a
    // deep page costs what the first does (PostgreSQL otherwise filters every newer row). The first page gets the same
    // range from +infinity: SQLite's planner then takes (status, created_at, id) and stops after `limit` rows per status,
    // instead of sorting every row of the filter out of the narrower status index.
    const { createdAt, id } = q.after ?? { createdAt: Number.MAX_SAFE_INTEGER, id: '' };
    const page = base.selectAll().where((eb) => eb(eb.refTuple('createdAt', 'id'), '<', eb.tuple(createdAt, id)));
    const [rows, count] = await Promise.all([
      page.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(q.limit).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map(sessionFromDb), total: count.n };
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.#s.db
      .selectFrom('sessions')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async listExpiredCandidates(now: number, limit: number): Promise<SessionRow[]> {
    const rows = await this.#s.db
      .selectFrom('sessions')
      .selectAll()
      .where('expiresAt', '<', now)
      // The partial index sessions_live_expires, matched literally (both planners need its predicate as constants),
      // in its order: otherwise LIMIT tempts PostgreSQL into walking every long-expired final session (~40 ms at 100k).
      .where(
        'status',
        'in',
        LIVE_STATUSES.map((st) => sql.lit(st)),
      )
      .orderBy('expiresAt')
      .limit(limit)
      .execute();
    return rows.map(sessionFromDb);
  }

  async purgeFinal(before: number): Promise<number> {
    const scope = this.#s;
    const purge = async (db: Scope['db']) => {
      const doomed = db.selectFrom('sessions').select('id').where('finalAt', '<', before);
      await db.deleteFrom('charges').where('sessionId', 'in', doomed).execute();
      const res = await db.deleteFrom('sessions').where('finalAt', '<', before).executeTakeFirst();
      return Number(res.numDeletedRows); // a bigint from Kysely
    };
    return scope.inTransaction ? purge(scope.db) : (scope.db as Kysely<DB>).transaction().execute(purge);
  }

  async listActiveSince(since: number, limit: number): Promise<SessionRow[]> {
    const { db } = this.#s;
    // Recent outcomes from sessions_final_at (final_at >= since implies its final_at IS NOT NULL); the live sessions, in
    // no particular order, from an index on status (no sort, so the look-up stops at the limit).
    const [final, live] = await Promise.all([
      db.selectFrom('sessions').selectAll().where('finalAt', '>=', since).orderBy('finalAt', 'desc').limit(limit).execute(),
      db
        .selectFrom('sessions')
        .selectAll()
        .where(
          'status',
          'in',
          LIVE_STATUSES.map((st) => sql.lit(st)),
        )
        .limit(limit)
        .execute(),
    ]);
    return [...final, ...live].map(sessionFromDb);
  }

  async listByOrder(orderId: string, limit: number): Promise<SessionRow[]> {
    const rows = await this.#s.db
      .selectFrom('sessions')
      .selectAll()
      .where('orderId', '=', orderId)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(sessionFromDb);
  }
}
