/** The session API as the widget reads it: plain data, shared by the transport, the controller and the view. No DOM types here. */
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
  /** ISO date-time: past it, a session not yet final is EXPIRED (the server says so when it next reads it). */
  expiresAt?: string;
  clientSecret?: string;
}

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
