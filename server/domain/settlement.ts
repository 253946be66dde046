/**
 * A charge's settlement: its outcome recorded and its session moved, with the order's lock, the webhook event and the
 * answer under every key that follows the charge, all in one commit. Idempotent: a settled charge stays as it is.
 * Finding the outcome (the processor's answer, a look-up, a void) is charges.ts's.
 */
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { ChargeRow, SessionRow } from './model.js';
import { isSettled, type Repositories, type Store } from '../store/types.js';
import { NO_WEBHOOKS, type WebhookRecorder } from '../webhooks/recorder.js';
import { chargeAnswer, declineError, type Settlement } from './charge-answers.js';
import { CONFLICT, retryOnConflict } from './conflicts.js';
import type { SessionEvents } from './events.js';
import { withInterruption } from './history.js';
import { settleByCharge, storedAnswer } from './idempotency.js';
import { onChargeFailed, onChargeSucceeded } from './states.js';

export const isUnresolved = (c: ChargeRow) => c.status === 'pending' || c.status === 'unknown';

export interface SettlementDeps {
  store: Store;
  events: SessionEvents;
  metrics: Metrics;
  log: Logger;
  now: () => number;
  /** Records the webhook event of a settlement that ends the session, in the settlement's transaction. */
  webhooks?: WebhookRecorder;
  /** A settlement paid this session's order (after its commit): the order's other sessions can be told. */
  onOrderPaid?: (orderId: string, sessionId: string) => void;
}

/** A charge as a call left it, and its session when that call's settlement moved it. */
export interface Settled {
  charge: ChargeRow;
  session?: SessionRow;
}

/**
 * Records a charge's outcome and moves its session, atomically; idempotent (a settled charge stays as it is).
 * Returns the settled charge and session, or null when the charge was settled already (by another call or instance).
 * `known` is the charge's row as the caller has it (its immutable fields are used; the update is conditional anyway);
 * `session` the session as the caller last wrote it: its update is conditional on the version, and a conflict re-reads it.
 */
export async function settle(d: SettlementDeps, chargeKey: string, outcome: Settlement, known?: ChargeRow, session?: SessionRow): Promise<Settled | null> {
  const { store, events, metrics, now } = d;
  const webhooks = d.webhooks ?? NO_WEBHOOKS;
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
            if (!isSettled(won)) throw new NotSettled(won);
            await webhooks.record(tx, next);
            return won;
          })
          .catch((err) => {
            if (err instanceof NotSettled) return err.result;
            throw err;
          })
      : await store.charges.settleSucceeded(settlement);
    if (r === 'already') return null;
    if (isSettled(r)) {
      events.publish(next.id);
      if (withEvent) webhooks.committed();
      if (r === 'settled') d.onOrderPaid?.(next.orderId, next.id);
      return { charge: after, session: next };
    }
    session = undefined; // the session moved on: the general path re-reads it
  }
  const first = session;
  return retryOnConflict(async (tries) => {
    const at = now();
    const done = await store
      .transaction((tx) => settleIn(d, tx, chargeKey, outcome, at, known, tries === 0 ? first : undefined))
      .catch((err): typeof CONFLICT => {
        if (err instanceof VersionConflict) return CONFLICT;
        throw err;
      });
    if (done === CONFLICT || done === null) return done;
    if (done.reason) metrics.interruptions.inc({ reason: done.reason });
    events.publish(done.session.id);
    webhooks.committed();
    if (done.charge.status === 'succeeded') d.onOrderPaid?.(done.session.orderId, done.session.id);
    return { charge: done.charge, session: done.session };
  });
}

/** The general settlement, in one transaction: null when the charge was settled already; a lost version race throws. */
async function settleIn(d: SettlementDeps, tx: Repositories, chargeKey: string, outcome: Settlement, at: number, known?: ChargeRow, session?: SessionRow) {
  const webhooks = d.webhooks ?? NO_WEBHOOKS;
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
      d.log.error({ sessionId: s.id, status: s.status }, 'charge succeeded on a final session');
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

class VersionConflict extends Error {}

class NotSettled extends Error {
  constructor(readonly result: 'already' | 'version') {
    super(result);
  }
}
