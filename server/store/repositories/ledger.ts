/** The test processor's ledger (processor/ledger.ts) in its own tables, processor_tokens and processor_charges. */
import type { LedgerChargeRequest, LedgerChargeResult, ProcessorChargeRow, ProcessorLedger, ProcessorTokenRow } from '../../processor/ledger.js';
import { ledgerChargePg } from '../pg-hot-paths.js';
import { processorChargeFromDb, shapeFor, slotsFor } from '../rows.js';
import type { ProcessorChargesTable } from '../schema.js';
import type { Scope } from '../scope.js';

export class KyselyLedger implements ProcessorLedger {
  readonly #s: Scope;

  constructor(scope: Scope) {
    this.#s = scope;
  }

  transaction<T>(fn: (ledger: ProcessorLedger) => Promise<T>): Promise<T> {
    return this.#s.transaction((tx) => fn(tx.ledger));
  }

  async insertToken(row: ProcessorTokenRow): Promise<void> {
    const { db, q } = this.#s;
    const values = {
      token: row.token,
      brand: row.brand,
      last4: row.last4,
      behaviour: row.behaviour,
      created_at: row.createdAt,
      expires_at: row.expiresAt,
      used_at: row.usedAt,
    };
    await q.run(db, shapeFor('insertProcessorToken', values), (slot) => db.insertInto('processor_tokens').values(slotsFor(values, slot)), values);
  }

  async getToken(token: string): Promise<ProcessorTokenRow | undefined> {
    const { db, q } = this.#s;
    const r = await q.first(db, 'getProcessorToken', (slot) => db.selectFrom('processor_tokens').selectAll().where('token', '=', slot('token')), { token });
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

  async useToken(token: string, now: number): Promise<boolean> {
    const { db, q } = this.#s;
    const updated = await q.affected(
      db,
      'useProcessorToken',
      (slot) => db.updateTable('processor_tokens').set({ used_at: slot('now') }).where('token', '=', slot('token')).where('used_at', 'is', null),
      { token, now },
    );
    return updated === 1;
  }

  async insertCharge(row: ProcessorChargeRow): Promise<boolean> {
    const { db, q } = this.#s;
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
    const inserted = await q.affected(
      db,
      shapeFor('insertProcessorCharge', values),
      (slot) =>
        db
          .insertInto('processor_charges')
          .values(slotsFor(values, slot))
          .onConflict((oc) => oc.column('idempotency_key').doNothing()),
      values,
    );
    return inserted === 1;
  }

  async chargeAtOnce(a: LedgerChargeRequest): Promise<LedgerChargeResult | null | undefined> {
    if (this.#s.engine !== 'postgres' || this.#s.inTransaction) return undefined;
    return ledgerChargePg(this.#s.pg(), a);
  }

  async getChargeByKey(idempotencyKey: string): Promise<ProcessorChargeRow | undefined> {
    const { db, q } = this.#s;
    const r = await q.first(
      db,
      'getProcessorChargeByKey',
      (slot) => db.selectFrom('processor_charges').selectAll().where('idempotency_key', '=', slot('idempotencyKey')),
      { idempotencyKey },
    );
    return r && processorChargeFromDb(r);
  }

  async listCharges(filter: { sessionId?: string; limit: number }): Promise<ProcessorChargeRow[]> {
    let query = this.#s.db.selectFrom('processor_charges').selectAll();
    if (filter.sessionId) query = query.where('session_id', '=', filter.sessionId);
    const rows = await query.orderBy('created_at', 'desc').limit(filter.limit).execute();
    return rows.map(processorChargeFromDb);
  }
}
