/** Idempotency records: one per (scope, key), claimed in flight, linked to a charge, finished with the answer to replay. */
import type { IdempotencyRow } from '../../domain/model.js';
import { claimIdempotencyPg } from '../pg-hot-paths.js';
import { pick, shapeFor, slotsFor } from '../rows.js';
import type { Scope } from '../scope.js';
import type { IdempotencyRepository } from '../types.js';

const IDEMPOTENCY_COLUMNS = [
  'scope',
  'key',
  'fingerprint',
  'state',
  'statusCode',
  'responseBody',
  'chargeKey',
  'createdAt',
  'expiresAt',
  'leaseUntil',
] as const;

export class KyselyIdempotency implements IdempotencyRepository {
  readonly #s: Scope;

  constructor(scope: Scope) {
    this.#s = scope;
  }

  async get(scope: string, key: string): Promise<IdempotencyRow | undefined> {
    const { db, q } = this.#s;
    const r = await q.first(
      db,
      'getIdempotency',
      (slot) => db.selectFrom('idempotency_keys').selectAll().where('scope', '=', slot('scope')).where('key', '=', slot('key')),
      { scope, key },
    );
    return r;
  }

  async insert(row: IdempotencyRow): Promise<boolean> {
    if (this.#s.engine === 'postgres' && !this.#s.inTransaction) return claimIdempotencyPg(this.#s.pg(), row);
    const { db, q } = this.#s;
    const values = pick(row, IDEMPOTENCY_COLUMNS);
    const inserted = await q.affected(
      db,
      shapeFor('insertIdempotency', values),
      (slot) =>
        db
          .insertInto('idempotency_keys')
          .values(slotsFor(values, slot))
          .onConflict((oc) => oc.columns(['scope', 'key']).doNothing()),
      values,
    );
    return inserted === 1;
  }

  async takeOver(scope: string, key: string, fingerprint: string, now: number, leaseUntil: number): Promise<boolean> {
    const res = await this.#s.db
      .updateTable('idempotency_keys')
      .set({ leaseUntil })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('fingerprint', '=', fingerprint)
      .where('state', '=', 'in_flight')
      .where('leaseUntil', '<', now)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async finish(scope: string, key: string, patch: Pick<IdempotencyRow, 'state' | 'statusCode' | 'responseBody' | 'chargeKey'>): Promise<void> {
    const { db, q } = this.#s;
    await q.run(
      db,
      'finishIdempotency',
      (slot) =>
        db
          .updateTable('idempotency_keys')
          .set({ state: slot('state'), statusCode: slot('statusCode'), responseBody: slot('responseBody'), chargeKey: slot('chargeKey') })
          .where('scope', '=', slot('scope'))
          .where('key', '=', slot('key'))
          // Only the request holding the key finishes it; a settlement may already have written the final answer.
          .where('state', '=', 'in_flight'),
      { scope, key, ...patch },
    );
  }

  async delete(scope: string, key: string): Promise<void> {
    const { db, q } = this.#s;
    await q.run(db, 'deleteIdempotency', (slot) => db.deleteFrom('idempotency_keys').where('scope', '=', slot('scope')).where('key', '=', slot('key')), {
      scope,
      key,
    });
  }

  async resolvePending(chargeKey: string, statusCode: number, responseBody: string): Promise<void> {
    const { db, q } = this.#s;
    await q.run(
      db,
      'resolvePendingIdempotency',
      (slot) =>
        db
          .updateTable('idempotency_keys')
          .set({ state: 'done', statusCode: slot('statusCode'), responseBody: slot('responseBody') })
          .where('chargeKey', '=', slot('chargeKey'))
          .where('state', '!=', 'done'),
      { chargeKey, statusCode, responseBody },
    );
  }

  async purge(now: number): Promise<number> {
    const res = await this.#s.db.deleteFrom('idempotency_keys').where('expiresAt', '<', now).where('state', '!=', 'pending').executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
