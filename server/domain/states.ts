/**
 * The session state machine (docs/API.md "States"), in one place. Each function takes the session as it is and returns
 * the change to make, or throws `invalid_transition` / `payment_in_progress`. Pure: no I/O, no clock; the model-based
 * property test drives these through the HTTP API against a simple model.
 *
 * `unresolved` = the session has a charge whose outcome is not yet known. While it has one, nothing may start another
 * charge or move the session to a final state other than COMPLETED.
 */
import { AppError } from '../errors.js';
import { FINAL_STATUSES, type SessionRow, type SessionStatus } from './model.js';

export function isFinal(status: SessionStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

type Patch = Partial<Pick<SessionRow, 'status' | 'attempts' | 'chargedAttempt' | 'paymentId' | 'lastError' | 'finalAt'>>;

function refuse(s: SessionRow, action: string): never {
  throw new AppError('invalid_transition', `Cannot ${action} a session that is ${s.status}.`, { status: s.status });
}

function assertNotFinal(s: SessionRow, action: string): void {
  if (isFinal(s.status)) refuse(s, action);
}

/** Whether the current attempt has already charged (so moving on costs an attempt). */
export function attemptUsed(s: SessionRow): boolean {
  return s.chargedAttempt >= s.attempts;
}

/** Can the shopper try again after the current interruption? */
export function canResume(s: SessionRow): boolean {
  return !isFinal(s.status) && (!attemptUsed(s) || s.attempts < s.maxAttempts);
}

export function onResume(s: SessionRow): Patch {
  if (s.status !== 'INTERRUPTED') refuse(s, 'resume');
  if (!canResume(s))
    throw new AppError('invalid_transition', 'No attempts left for this session.', { status: s.status, attempts: s.attempts, maxAttempts: s.maxAttempts });
  return { status: 'RESUMED', attempts: attemptUsed(s) ? s.attempts + 1 : s.attempts };
}

export function onChargeStart(s: SessionRow): Patch {
  if (s.status === 'PROCESSING') throw new AppError('payment_in_progress');
  if (s.status === 'INTERRUPTED') throw new AppError('invalid_transition', 'Resume the session before paying again.', { status: s.status });
  if (s.status !== 'INITIATED' && s.status !== 'RESUMED') refuse(s, 'pay');
  return { status: 'PROCESSING', chargedAttempt: s.attempts };
}

/** A charge succeeded: money moved, so the session completes from any live state. */
export function onChargeSucceeded(s: SessionRow, paymentId: string, now: number): Patch {
  if (s.status === 'COMPLETED') return {};
  return { status: 'COMPLETED', paymentId, lastError: null, finalAt: now };
}

/** A charge failed (decline, processor error, or never reached the processor). */
export function onChargeFailed(s: SessionRow, error: { code: string; message: string }, otherUnresolved: boolean, now: number): Patch {
  if (isFinal(s.status)) return {};
  const lastAttempt = attemptUsed(s) && s.attempts >= s.maxAttempts;
  if (s.status === 'PROCESSING' || (s.status === 'INTERRUPTED' && lastAttempt)) {
    if (lastAttempt && !otherUnresolved) return { status: 'FAILED_MAX_RETRIES', lastError: error, finalAt: now };
    return { status: 'INTERRUPTED', lastError: error };
  }
  return { lastError: error };
}

/**
 * `attempt`: the attempt the interruption is about, when the caller says. An interruption of another attempt than the
 * current one (a page's timeout replayed late from an offline outbox, after the payment went on) changes nothing.
 */
export function onInterrupt(s: SessionRow, unresolved: boolean, now: number, attempt?: number): Patch {
  if (s.status === 'INTERRUPTED') return {};
  if (s.status !== 'INITIATED' && s.status !== 'RESUMED' && s.status !== 'PROCESSING') refuse(s, 'interrupt');
  if (attempt !== undefined && attempt !== s.attempts) return {};
  const lastAttempt = attemptUsed(s) && s.attempts >= s.maxAttempts;
  if (lastAttempt && !unresolved) return { status: 'FAILED_MAX_RETRIES', finalAt: now };
  return { status: 'INTERRUPTED' };
}

export function onCancel(s: SessionRow, unresolved: boolean, now: number): Patch {
  assertNotFinal(s, 'cancel');
  if (unresolved || s.status === 'PROCESSING')
    throw new AppError('payment_in_progress', 'A payment is being processed; it cannot be cancelled until its outcome is known.');
  return { status: 'CANCELLED', finalAt: now };
}

/** Why a session whose order was paid through another session can never be paid (its lastError; `/complete` answers this code). */
export const PAID_ELSEWHERE = { code: 'order_already_paid', message: 'This order has already been paid.' } as const;

/** Whether this session was closed because its order was paid through another one. */
export function isPaidElsewhere(s: Pick<SessionRow, 'status' | 'lastError'>): boolean {
  return s.status === 'CANCELLED' && s.lastError?.code === PAID_ELSEWHERE.code;
}

/**
 * The order was paid through another session: this one can never be paid, so it ends CANCELLED with that reason (the
 * page that shows it learns so without pressing Pay). Null when it is final already or a charge of its own is unresolved.
 */
export function onPaidElsewhere(s: SessionRow, unresolved: boolean, now: number): Patch | null {
  if (isFinal(s.status) || unresolved || s.status === 'PROCESSING') return null;
  return { status: 'CANCELLED', lastError: { ...PAID_ELSEWHERE }, finalAt: now };
}

/** Returns null when the session must not expire yet (not due, final, or a charge is unresolved). */
export function onExpire(s: SessionRow, unresolved: boolean, now: number): Patch | null {
  if (isFinal(s.status) || s.expiresAt > now || unresolved || s.status === 'PROCESSING') return null;
  return { status: 'EXPIRED', finalAt: now };
}
