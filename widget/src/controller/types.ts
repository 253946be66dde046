/** Plain data shared by the controller, the transport and the view. No DOM types here. */

export const FINAL_STATUSES = ['COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'] as const;

export type SessionStatus = 'INITIATED' | 'PROCESSING' | 'INTERRUPTED' | 'RESUMED' | (typeof FINAL_STATUSES)[number];

/** The session object of CONTRACT §2, as far as the widget reads it. */
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

export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** What the shopper is told right now: a key into the strings table, never free text from the card fields. */
export interface CheckoutMessage {
  key: string;
  kind: 'info' | 'error' | 'success';
  /** Server error code behind an error message, if any. */
  code?: string;
  params?: Record<string, string | number>;
}

/**
 * Everything the view needs, and everything a mirroring tab receives. Holds no card data and no client secret,
 * so it can travel on a BroadcastChannel and be rendered as is.
 */
export interface CheckoutView {
  /** Session status in lower case, or `idle` before a session exists. */
  status: string;
  sessionId: string | null;
  orderId: string | null;
  attempt: number;
  maxAttempts: number;
  amount: number | null;
  currency: string | null;
  paymentId: string | null;
  /** A request of this checkout is on its way (buttons that would start another one are disabled). */
  busy: boolean;
  /** A payment is processing: ours in flight, or the server says PROCESSING. Drives the leave-page warning. */
  processing: boolean;
  offline: boolean;
  queued: boolean;
  /** Retry applies: an interrupted attempt, or a failed request that can be sent again. */
  canRetry: boolean;
  message: CheckoutMessage | null;
  /** `follower`: another tab (or element) drives this order's checkout and this one mirrors it. */
  role: 'leader' | 'follower';
  cancelReason: string | null;
}

export const INITIAL_VIEW: CheckoutView = {
  status: 'idle',
  sessionId: null,
  orderId: null,
  attempt: 0,
  maxAttempts: 0,
  amount: null,
  currency: null,
  paymentId: null,
  busy: false,
  processing: false,
  offline: false,
  queued: false,
  canRetry: false,
  message: null,
  role: 'leader',
  cancelReason: null,
};

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
