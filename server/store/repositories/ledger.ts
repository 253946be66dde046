/** The test processor's ledger (processor/ledger.ts) in its own tables, processor_tokens and processor_charges. */
import type { LedgerChargeRequest, LedgerChargeResult, ProcessorChargeRow, ProcessorLedger, ProcessorTokenRow } from '../../processor/ledger.js';
import { ledgerChargePg } from '../pg-hot-paths.js';
import { pick, shapeFor, slotsFor } from '../rows.js';
import type { Scope } from '../scope.js';

const TOKEN_COLUMNS = ['token', 'brand', 'last4', 'behaviour', 'createdAt', 'expiresAt', 'usedAt'] as const;
const CHARGE_COLUMNS = ['chargeId', 'sessionId', 'idempotencyKey', 'amount', 'currency', 'status', 'failureCode', 'createdAt'] as const;

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
    const values = pick(row, TOKEN_COLUMNS);
    await q.run(db, shapeFor('insertProcessorToken', values), (slot) => db.insertInto('processor_tokens').values(slotsFor(values, slot)), values);
  }

  async getToken(token: string): Promise<ProcessorTokenRow | undefined> {
    const { db, q } = this.#s;
    const r = await q.first(db, 'getProcessorToken', (slot) => db.selectFrom('processor_tokens').selectAll().where('token', '=', slot('token')), { token });
    return r;
  }

  async useToken(token: string, now: number): Promise<boolean> {
    const { db, q } = this.#s;
    const updated = await q.affected(
      db,
      'useProcessorToken',
      (slot) =>
        db
          .updateTable('processor_tokens')
          .set({ usedAt: slot('now') })
          .where('token', '=', slot('token'))
          .where('usedAt', 'is', null),
      { token, now },
    );
    return updated === 1;
  }

  async insertCharge(row: ProcessorChargeRow): Promise<boolean> {
    const { db, q } = this.#s;
    // Without a card (a voided key) the columns are left out of the insert: its own shape.
    const values = { ...pick(row, CHARGE_COLUMNS), brand: row.brand ?? undefined, last4: row.last4 ?? undefined };
    const inserted = await q.affected(
      db,
      shapeFor('insertProcessorCharge', values),
      (slot) =>
        db
          .insertInto('processor_charges')
          .values(slotsFor(values, slot))
          .onConflict((oc) => oc.column('idempotencyKey').doNothing()),
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
      (slot) => db.selectFrom('processor_charges').selectAll().where('idempotencyKey', '=', slot('idempotencyKey')),
      { idempotencyKey },
    );
    return r;
  }

  async listCharges(filter: { sessionId?: string; limit: number }): Promise<ProcessorChargeRow[]> {
    let query = this.#s.db.selectFrom('processor_charges').selectAll();
    if (filter.sessionId) query = query.where('sessionId', '=', filter.sessionId);
    return query.orderBy('createdAt', 'desc').limit(filter.limit).execute();
  }
}
