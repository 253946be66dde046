/**
 * Charges (our record of each processor call) and the order payment lock: the checkout's two multi-row steps, a
 * charge's start and a success's settlement, are one statement on PostgreSQL (pg-hot-paths.ts) and a transaction here.
 */
import type { ChargeRow } from '../../domain/model.js';
import { isTokenUsableAt } from '../../processor/ledger.js';
import { startChargePg } from '../pg-charge-start.js';
import { settleSucceededPg } from '../pg-hot-paths.js';
import { Refused, pick, shapeFor, slotsFor } from '../rows.js';
import type { Scope } from '../scope.js';
import type { ChargeRepository, ChargeStart, ChargeStartResult, OrderPayment, SettlementResult, SuccessSettlement } from '../types.js';

const CHARGE_COLUMNS = [
  'chargeKey',
  'sessionId',
  'attempt',
  'status',
  'amount',
  'currency',
  'startedAt',
  'deadlineAt',
  'resolvedAt',
  'paymentId',
  'errorCode',
] as const;

export class KyselyCharges implements ChargeRepository {
  readonly #s: Scope;

  constructor(scope: Scope) {
    this.#s = scope;
  }

  async insert(row: ChargeRow): Promise<void> {
    const { db, q } = this.#s;
    const values = pick(row, CHARGE_COLUMNS);
    await q.run(db, shapeFor('insertCharge', values), (slot) => db.insertInto('charges').values(slotsFor(values, slot)), values);
  }

  async get(chargeKey: string): Promise<ChargeRow | undefined> {
    const { db, q } = this.#s;
    const r = await q.first(db, 'getCharge', (slot) => db.selectFrom('charges').selectAll().where('chargeKey', '=', slot('chargeKey')), { chargeKey });
    return r;
  }

  async getCommitted(chargeKey: string): Promise<ChargeRow | undefined> {
    if (this.#s.engine !== 'postgres') return this.get(chargeKey);
    // FOR SHARE waits for a settlement that has written the row and not yet committed, then reads what it committed.
    return this.#s.db.selectFrom('charges').selectAll().where('chargeKey', '=', chargeKey).forShare().executeTakeFirst();
  }

  async list(sessionId: string): Promise<ChargeRow[]> {
    return this.#s.db.selectFrom('charges').selectAll().where('sessionId', '=', sessionId).orderBy('startedAt').execute();
  }

  async settle(chargeKey: string, patch: Pick<ChargeRow, 'status' | 'resolvedAt' | 'paymentId' | 'errorCode'>): Promise<boolean> {
    const { db, q } = this.#s;
    const updated = await q.affected(
      db,
      'settleCharge',
      (slot) =>
        db
          .updateTable('charges')
          .set({ status: slot('status'), resolvedAt: slot('resolvedAt'), paymentId: slot('paymentId'), errorCode: slot('errorCode') })
          .where('chargeKey', '=', slot('chargeKey'))
          .where('status', 'in', ['pending', 'unknown']),
      { chargeKey, ...patch },
    );
    return updated === 1;
  }

  async markUnknown(chargeKey: string): Promise<void> {
    await this.#s.db.updateTable('charges').set({ status: 'unknown' }).where('chargeKey', '=', chargeKey).where('status', '=', 'pending').execute();
  }

  async start(a: ChargeStart): Promise<ChargeStartResult> {
    if (this.#s.engine === 'postgres' && !this.#s.inTransaction) return startChargePg(this.#s.pg(), a);
    try {
      return await this.#s.transaction(async (tx) => {
        if (a.usableToken) {
          if (!isTokenUsableAt(await tx.ledger.getToken(a.usableToken.token), a.usableToken.now)) return { ok: false, reason: 'token' } as const;
        }
        if (!(await tx.sessions.update(a.sessionId, a.expectedVersion, a.patch))) return { ok: false, reason: 'version' } as const;
        const lock = await tx.charges.lockOrder(a.orderId, a.sessionId, a.patch.updatedAt);
        if (!lock.ok) throw new Refused({ ok: false, reason: 'order', state: lock.state, sessionId: lock.sessionId });
        await tx.charges.insert(a.charge);
        await tx.idempotency.finish(a.idempotency.scope, a.idempotency.key, {
          state: 'in_flight',
          statusCode: null,
          responseBody: null,
          chargeKey: a.charge.chargeKey,
        });
        return { ok: true } as const; // the ledger's charge is the caller's to make here
      });
    } catch (err) {
      if (err instanceof Refused) return err.result as ChargeStartResult; // thrown to undo the session's update
      throw err;
    }
  }

  async settleSucceeded(a: SuccessSettlement): Promise<SettlementResult> {
    if (this.#s.engine === 'postgres') return settleSucceededPg(this.#s.pg(), a);
    try {
      return await this.#s.transaction(async (tx) => {
        const resolved = { status: 'succeeded' as const, resolvedAt: a.resolvedAt, paymentId: a.paymentId, errorCode: null };
        if (!(await tx.charges.settle(a.chargeKey, resolved))) return 'already' as const;
        await tx.charges.markOrderPaid(a.orderId, a.sessionId, a.resolvedAt);
        const patch = { status: 'COMPLETED' as const, paymentId: a.paymentId, lastError: null, finalAt: a.resolvedAt, updatedAt: a.resolvedAt };
        if (!(await tx.sessions.update(a.sessionId, a.expectedVersion, patch))) throw new Refused('version');
        await tx.idempotency.resolvePending(a.chargeKey, a.answer.statusCode, a.answer.responseBody);
        return 'settled' as const;
      });
    } catch (err) {
      if (err instanceof Refused) return err.result as SettlementResult;
      throw err;
    }
  }

  async listToReconcile(now: number, limit: number): Promise<ChargeRow[]> {
    return this.#s.db
      .selectFrom('charges')
      .selectAll()
      .where((eb) => eb.or([eb('status', '=', 'unknown'), eb.and([eb('status', '=', 'pending'), eb('deadlineAt', '<', now)])]))
      .orderBy('startedAt')
      .limit(limit)
      .execute();
  }

  // ---- the order payment lock

  async lockOrder(orderId: string, sessionId: string, now: number): Promise<{ ok: true } | ({ ok: false } & OrderPayment)> {
    const { db, q } = this.#s;
    const inserted = await q.affected(
      db,
      'lockOrder',
      (slot) =>
        db
          .insertInto('order_payments')
          .values({ orderId: slot('orderId'), sessionId: slot('sessionId'), state: 'charging', updatedAt: slot('now') })
          .onConflict((oc) => oc.column('orderId').doNothing()),
      { orderId, sessionId, now },
    );
    if (inserted === 1) return { ok: true } as const;
    const held = await this.getOrderPayment(orderId);
    if (!held) return this.lockOrder(orderId, sessionId, now); // released between the two statements
    if (held.state === 'charging' && held.sessionId === sessionId) return { ok: true } as const;
    return { ok: false, state: held.state, sessionId: held.sessionId } as const;
  }

  async releaseOrder(orderId: string, sessionId: string): Promise<void> {
    await this.#s.db.deleteFrom('order_payments').where('orderId', '=', orderId).where('sessionId', '=', sessionId).where('state', '=', 'charging').execute();
  }

  async markOrderPaid(orderId: string, sessionId: string, now: number): Promise<void> {
    const { db, q } = this.#s;
    await q.run(
      db,
      'markOrderPaid',
      (slot) =>
        db
          .insertInto('order_payments')
          .values({ orderId: slot('orderId'), sessionId: slot('sessionId'), state: 'paid', updatedAt: slot('now') })
          .onConflict((oc) => oc.column('orderId').doUpdateSet({ sessionId: slot('sessionId'), state: 'paid', updatedAt: slot('now') })),
      { orderId, sessionId, now },
    );
  }

  async getOrderPayment(orderId: string): Promise<OrderPayment | undefined> {
    const { db, q } = this.#s;
    const r = await q.first(db, 'getOrderPayment', (slot) => db.selectFrom('order_payments').selectAll().where('orderId', '=', slot('orderId')), { orderId });
    return r && { state: r.state, sessionId: r.sessionId };
  }
}
