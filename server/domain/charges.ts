/**
 * Charging exactly once. Every processor call is a row in `charges` (status pending → succeeded | failed, or unknown
 * when the call ended without an answer). A session never starts a new charge while one of its charges is unresolved;
 * an unresolved charge is settled by looking it up at the processor by its idempotency key. "Not found" only counts
 * once the call's deadline has passed, since before that the call may still land.
 */
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { LedgerChargeResult } from '../processor/ledger.js';
import type { ChargeOutcome, ChargeRequest, PaymentProcessor } from '../processor/types.js';
import type { ChargeRow, SessionRow } from './model.js';
import type { Repositories, Store } from '../store/types.js';
import { NO_WEBHOOKS, type WebhookRecorder } from '../webhooks/recorder.js';
import { chargeAnswer, declineError, type Settlement } from './charge-answers.js';
import { CONFLICT, retryOnConflict } from './conflicts.js';
import type { SessionEvents } from './events.js';
import { withInterruption } from './history.js';
import { settleByCharge, storedAnswer } from './idempotency.js';
import { onChargeFailed, onChargeSucceeded } from './states.js';

/** Extra time after a call's deadline before "not found at the processor" is believed. */
const NOT_FOUND_GRACE_MS = 500;
const LOOKUP_POLL_MS = 200;

export const isUnresolved = (c: ChargeRow) => c.status === 'pending' || c.status === 'unknown';

/** The processor call of a charge: its key is the charge's. */
export const requestOf = (c: ChargeRow, token: string): ChargeRequest => ({
  token,
  amount: c.amount,
  currency: c.currency,
  idempotencyKey: c.chargeKey,
  sessionId: c.sessionId,
});

export interface ChargeDeps {
  store: Store;
  processor: PaymentProcessor;
  events: SessionEvents;
  metrics: Metrics;
  log: Logger;
  now: () => number;
  paymentTimeoutMs: number;
  /** Records the webhook event of a settlement that ends the session, in the settlement's transaction. */
  webhooks?: WebhookRecorder;
}

/** A charge as a call left it, and its session when that call's settlement moved it. */
export interface Settled {
  charge: ChargeRow;
  session?: SessionRow;
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

  /**
   * Records a charge's outcome and moves its session, atomically; idempotent (a settled charge stays as it is).
   * Returns the settled charge and session, or null when the charge was settled already (by another call or instance).
   * `known` is the charge's row as the caller has it (its immutable fields are used; the update is conditional anyway);
   * `session` the session as the caller last wrote it: its update is conditional on the version, and a conflict re-reads it.
   */
  async settle(chargeKey: string, outcome: Settlement, known?: ChargeRow, session?: SessionRow): Promise<Settled | null> {
    const { store, events, metrics, now } = this.#d;
    const webhooks = this.#d.webhooks ?? NO_WEBHOOKS;
    // The hot path: a charge this process started succeeded while its session waits in PROCESSING. One store call (one
    // statement on PostgreSQL), in a transaction with the webhook event when there is one to record; anything else
    // takes the general path below.
    if (known && session?.id === known.sessionId && session.status === 'PROCESSING' && outcome.status === 'succeeded' && isUnresolved(known)) {
      const at = now();
      const patch = onChargeSucceeded(session, outcome.chargeId, at);
      const next: SessionRow = { ...session, ...patch, updatedAt: at, version: session.version + 1 };
      const after: ChargeRow = { ...known, status: 'succeeded', resolvedAt: at, paymentId: outcome.chargeId, errorCode: null };
      const answer = chargeAnswer(after, next, outcome);
      const settlement = {
        chargeKey,
        resolvedAt: at,
        paymentId: outcome.chargeId,
        sessionId: session.id,
        expectedVersion: session.version,
        orderId: session.orderId,
        answer: storedAnswer(answer),
      };
      const withEvent = webhooks.wants(session.status, 'COMPLETED');
      const r = withEvent
        ? await store
            .transaction(async (tx) => {
              const won = await tx.charges.settleSucceeded(settlement);
              // Inside a transaction a refused step may have written part of itself (SQLite): undo all of it.
              if (won !== 'settled') throw new NotSettled(won);
              await webhooks.record(tx, next);
              return won;
            })
            .catch((err) => {
              if (err instanceof NotSettled) return err.result;
              throw err;
            })
        : await store.charges.settleSucceeded(settlement);
      if (r === 'already') return null;
      if (r === 'settled') {
        events.publish(next.id);
        if (withEvent) webhooks.committed();
        return { charge: after, session: next };
      }
      session = undefined; // the session moved on: the general path re-reads it
    }
    const first = session;
    return retryOnConflict(async (tries) => {
      const at = now();
      const done = await store
        .transaction((tx) => this.#settleIn(tx, chargeKey, outcome, at, known, tries === 0 ? first : undefined))
        .catch((err): typeof CONFLICT => {
          if (err instanceof VersionConflict) return CONFLICT;
          throw err;
        });
      if (done === CONFLICT || done === null) return done;
      if (done.reason) metrics.interruptions.inc({ reason: done.reason });
      events.publish(done.session.id);
      webhooks.committed();
      return { charge: done.charge, session: done.session };
    });
  }

  /** The general settlement, in one transaction: null when the charge was settled already; a lost version race throws. */
  async #settleIn(tx: Repositories, chargeKey: string, outcome: Settlement, at: number, known?: ChargeRow, session?: SessionRow) {
    const webhooks = this.#d.webhooks ?? NO_WEBHOOKS;
    const charge = known ?? (await tx.charges.get(chargeKey));
    if (!charge || !isUnresolved(charge)) return null;
    const resolved = {
      status: outcome.status,
      resolvedAt: at,
      paymentId: outcome.status === 'succeeded' ? outcome.chargeId : null,
      errorCode: outcome.status === 'failed' ? outcome.code : null,
    };
    if (!(await tx.charges.settle(chargeKey, resolved))) return null;
    const s = session?.id === charge.sessionId ? session : (await tx.sessions.get(charge.sessionId))!;
    let patch;
    let reason: string | null = null;
    if (outcome.status === 'succeeded') {
      patch = onChargeSucceeded(s, outcome.chargeId, at);
      await tx.charges.markOrderPaid(s.orderId, s.id, at);
      if (s.status === 'CANCELLED' || s.status === 'EXPIRED' || s.status === 'FAILED_MAX_RETRIES') {
        this.#d.log.error({ sessionId: s.id, status: s.status }, 'charge succeeded on a final session');
      }
    } else {
      const error = declineError(outcome);
      const others = (await tx.charges.list(s.id)).some((c) => c.chargeKey !== chargeKey && isUnresolved(c));
      patch = onChargeFailed(s, error, others, at);
      if (!others) await tx.charges.releaseOrder(s.orderId, s.id);
      if (patch.status && patch.status !== s.status)
        reason = 'notReached' in outcome ? 'network' : outcome.code === 'processor_error' ? 'processor_error' : 'decline';
    }
    const iso = new Date(at).toISOString();
    const metadata = reason ? { ...withInterruption(s.metadata, { at: iso, reason, attempt: charge.attempt }), lastActivity: iso } : s.metadata;
    if (!(await tx.sessions.update(s.id, s.version, { ...patch, metadata, updatedAt: at }))) throw new VersionConflict();
    const next: SessionRow = { ...s, ...patch, metadata, updatedAt: at, version: s.version + 1 };
    if (webhooks.wants(s.status, patch.status)) await webhooks.record(tx, next);
    const after: ChargeRow = { ...charge, ...resolved };
    await settleByCharge(tx, chargeKey, chargeAnswer(after, next, outcome));
    return { charge: after, session: next, reason };
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

class VersionConflict extends Error {}

class NotSettled extends Error {
  constructor(readonly result: 'already' | 'version') {
    super(result);
  }
}

function noop(): void {}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
