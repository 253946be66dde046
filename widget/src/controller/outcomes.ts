/** What the controller tells its host. Pure functions; no I/O. */
import type { CardInput, CheckoutView } from './types.js';

export type ControllerEvent =
  | { type: 'ready'; sessionId: string; restored: boolean }
  | { type: 'status'; status: string; attempt: number; maxAttempts: number }
  | { type: 'complete'; sessionId: string; orderId: string; paymentId: string }
  | { type: 'cancel'; sessionId: string | null; reason: string }
  | { type: 'error'; code: string; messageKey: string; params?: Record<string, string | number>; serverMessage?: string; retryable: boolean };

/** The payment method at the moment of paying: card details (tokenized by the controller), a ready token, or why not. */
export type PaymentSource =
  { card: CardInput } | { token: string } | { error: 'missing_card' | 'invalid_card_number' | 'invalid_expiry' | 'expired_card' | 'invalid_cvc' };

/**
 * The events a change of view means. Derived from the view, not from the flow that changed it, so a tab that
 * mirrors another one fires the same `checkout-status` / `checkout-complete` / `checkout-cancel` as the tab that drove it.
 */
export function eventsBetween(before: CheckoutView, after: CheckoutView): ControllerEvent[] {
  const events: ControllerEvent[] = [];
  if (after.status === 'idle') return events;
  if (before.status !== after.status || before.attempt !== after.attempt || before.maxAttempts !== after.maxAttempts) {
    events.push({ type: 'status', status: after.status, attempt: after.attempt, maxAttempts: after.maxAttempts });
  }
  if (before.status !== 'completed' && after.status === 'completed' && after.sessionId) {
    events.push({ type: 'complete', sessionId: after.sessionId, orderId: after.orderId ?? '', paymentId: after.paymentId ?? '' });
  }
  // Cancelled by the shopper in the leading tab (a session closed because its order was paid elsewhere is no cancel).
  if (after.role === 'follower' && before.phase !== 'cancelled' && after.phase === 'cancelled') {
    events.push({ type: 'cancel', sessionId: after.sessionId, reason: after.cancelReason ?? 'user' });
  }
  return events;
}
