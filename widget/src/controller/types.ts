/** Plain data shared by the controller, the transport and the view. No DOM types here. */
import type { CheckoutState } from './machine.js';

export const FINAL_STATUSES = ['COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'] as const;

export type SessionStatus = 'INITIATED' | 'PROCESSING' | 'INTERRUPTED' | 'RESUMED' | (typeof FINAL_STATUSES)[number];

/** The session object of docs/API.md, as far as the widget reads it. */
export interface SessionJson {
  sessionId: string;
  orderId: string;
  status: SessionStatus;
  amount: number;
  currency: string;
  attempts: number;
  maxAttempts: number;
  paymentId?: string;
  lastError?: { code: string; message: string };
  clientSecret?: string;
}

/** Everything the view needs, and everything a mirroring tab receives: the state machine's state (`machine.ts`). */
export type CheckoutView = CheckoutState;

/** Card details as typed. Lives only in the inputs and in the token request; never stored, logged or broadcast. */
export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export function isFinal(status: string): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status.toUpperCase());
}
