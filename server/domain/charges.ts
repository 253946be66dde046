/**
 * Charging exactly once. Every processor call is a row in `charges` (status pending → succeeded | failed, or unknown
 * when the call ended without an answer). A session never starts a new charge while one of its charges is unresolved;
 * an unresolved charge is settled by looking it up at the processor by its idempotency key. "Not found" only counts
 * once the call's deadline has passed, since before that the call may still land. What a settlement writes, and how
 * atomically, is settlement.ts's.
 */
import type { LedgerChargeResult } from '../processor/ledger.js';
import type { ChargeOutcome, ChargeRequest, PaymentProcessor } from '../processor/types.js';
import type { ChargeRow, SessionRow } from './model.js';
import type { Settlement } from './charge-answers.js';
import { isUnresolved, type Settled, settle, type SettlementDeps } from './settlement.js';

/** Extra time after a call's deadline before "not found at the processor" is believed. */
const NOT_FOUND_GRACE_MS = 500;
const LOOKUP_POLL_MS = 200;

/** The processor call of a charge: its key is the charge's. */
export const requestOf = (c: ChargeRow, token: string): ChargeRequest => ({
  token,
  amount: c.amount,
  currency: c.currency,
  idempotencyKey: c.chargeKey,
  sessionId: c.sessionId,
});

export interface ChargeDeps extends SettlementDeps {
  processor: PaymentProcessor;
  paymentTimeoutMs: number;
}

export class Charges {
  readonly #d: ChargeDeps;
  /** Calls this process is making right now, by charge key; they settle themselves when they end. */
  readonly #inflight = new Map<string, Promise<void>>();
  #reconciling = false;

  constructor(deps: ChargeDeps) {
    this.#d = deps;
  }

  /** The charge of the session's current attempt, as it is started (pending until PAYMENT_TIMEOUT_MS from now). */
  draft(s: SessionRow, startedAt: number): ChargeRow {
    const { id: sessionId, attempts: attempt, amount, currency } = s;
    const deadlineAt = startedAt + this.#d.paymentTimeoutMs;
    return {
      chargeKey: `${sessionId}:${attempt}`,
      sessionId,
      attempt,
      status: 'pending',
      amount,
      currency,
      startedAt,
      deadlineAt,
      resolvedAt: null,
      paymentId: null,
      errorCode: null,
    };
  }

  /**
   * Calls the processor for a started charge, bounded by PAYMENT_TIMEOUT_MS, and settles what it learns.
   * Returns the charge as it now stands, with the session as this settlement left it (absent when the charge is still
   * unresolved or was settled by someone else: then the caller reads the session).
   * `made`: the start made the charge in the processor's ledger already (PaymentProcessor.inStore); only its answer is asked for.
   */
  async run(charge: ChargeRow, token: string, session?: SessionRow, made?: { ledger: LedgerChargeResult | null }): Promise<Settled> {
    const work = this.#callAndSettle(charge, token, session, made);
    // Others only wait for it to end (then read the charge): they never see its failure, which run's caller gets.
    this.#inflight.set(charge.chargeKey, work.then(noop, noop));
    try {
      const settled = await work;
      if (settled) return settled;
    } finally {
      this.#inflight.delete(charge.chargeKey);
    }
    return { charge: (await this.#d.store.charges.get(charge.chargeKey))! };
  }

  async #callAndSettle(charge: ChargeRow, token: string, session?: SessionRow, made?: { ledger: LedgerChargeResult | null }): Promise<Settled | null> {
    const { processor, metrics, log, now } = this.#d;
    // The charge's row must survive a crash before a processor outside the store can act on it (the store may commit it
    // a moment later). A ledger in the same store commits with the row, or is undone with it.
    if (!processor.sharesStore) await this.#d.store.durable();
    const started = now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'unknown'>((resolve) => {
      timer = setTimeout(() => resolve('unknown'), Math.max(0, charge.deadlineAt - started));
      timer.unref();
    });
    const req = requestOf(charge, token);
    const call = (made && processor.inStore ? processor.inStore.answer(req, made.ledger) : processor.charge(req)).catch((err: Error) => {
      log.warn({ chargeKey: charge.chargeKey, err: err.name }, 'processor call ended without an answer');
      return 'unknown' as const;
    });
    const outcome = await Promise.race([call, deadline]);
    clearTimeout(timer);
    metrics.chargeDuration.observe({ outcome: outcome === 'unknown' ? 'unknown' : outcome.status }, (now() - started) / 1000);
    if (outcome === 'unknown') {
      await this.#d.store.charges.markUnknown(charge.chargeKey);
      return null;
    }
    return this.settle(charge.chargeKey, outcome, charge, session);
  }

  /**
   * Brings an unresolved charge as far as it can: waits for this process's own call, else asks the processor.
   * With `wait`, keeps asking until the charge's deadline has passed (bounded by PAYMENT_TIMEOUT_MS).
   */
  async resolve(charge: ChargeRow, wait: boolean): Promise<ChargeRow> {
    const { store, processor, now, log } = this.#d;
    const mine = this.#inflight.get(charge.chargeKey);
    if (mine) {
      if (!wait) return charge;
      await mine;
      charge = (await store.charges.get(charge.chargeKey))!;
      // The call ended without an answer (past its deadline): ask the processor, as for any unknown charge.
      if (!isUnresolved(charge)) return charge;
    }
    for (;;) {
      let found: ChargeOutcome | null | 'error';
      try {
        found = await processor.lookup(charge.chargeKey);
      } catch (err) {
        log.warn({ chargeKey: charge.chargeKey, err: (err as Error).name }, 'processor look-up failed');
        found = 'error';
      }
      if (found && found !== 'error') {
        await this.settle(charge.chargeKey, found);
        break;
      }
      if (found === null && now() > charge.deadlineAt + NOT_FOUND_GRACE_MS) {
        // "Not found" is not proof: the call may still land (late, or from another instance). Close the key at the
        // processor first; whichever of the void and a late charge gets there first is the one outcome for this key.
        let closed: ChargeOutcome | null | 'error';
        try {
          closed = await processor.voidUnlessCharged({
            idempotencyKey: charge.chargeKey,
            sessionId: charge.sessionId,
            amount: charge.amount,
            currency: charge.currency,
          });
        } catch (err) {
          log.warn({ chargeKey: charge.chargeKey, err: (err as Error).name }, 'processor void failed');
          closed = 'error';
        }
        if (closed !== 'error') {
          await this.settle(charge.chargeKey, closed ?? { status: 'failed', code: 'processor_error', retryable: true, chargeId: null, notReached: true });
          break;
        }
      }
      if (!wait || now() > charge.deadlineAt + NOT_FOUND_GRACE_MS + this.#d.paymentTimeoutMs) return charge;
      await sleep(LOOKUP_POLL_MS);
    }
    return (await store.charges.get(charge.chargeKey))!;
  }

  /** Records a charge's outcome (settlement.ts `settle`): the settled charge and session, or null when it was settled already. */
  settle(chargeKey: string, outcome: Settlement, known?: ChargeRow, session?: SessionRow): Promise<Settled | null> {
    return settle(this.#d, chargeKey, outcome, known, session);
  }

  /** Settles what can be settled among unresolved charges: at start-up and every RECONCILE_INTERVAL_MS. */
  async reconcileDue(limit = 100): Promise<number> {
    if (this.#reconciling) return 0;
    this.#reconciling = true;
    let settled = 0;
    try {
      // One instance at a time on a shared database: the others would look up the same charges at the processor.
      await this.#d.store.runExclusive('reconcile', async () => {
        const due = await this.#d.store.charges.listToReconcile(this.#d.now(), limit);
        for (const c of due) {
          if (this.#inflight.has(c.chargeKey)) continue;
          const after = await this.resolve(c, false);
          if (!isUnresolved(after)) settled++;
        }
      });
    } finally {
      this.#reconciling = false;
    }
    return settled;
  }

  /** Waits for this process's own calls to end (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inflight.values()]);
  }
}

function noop(): void {}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
