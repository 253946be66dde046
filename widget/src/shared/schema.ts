/**
 * The one IndexedDB schema shared by the widget and the service worker.
 * Every store either of them uses is declared here, under one version and one upgrade function,
 * so the page and the worker can never open the database with different ideas of its shape (both open it with database.ts).
 */
import type { DBSchema } from 'idb';

/** What the widget remembers about one checkout. Never card data: no number, expiry or CVC. */
export interface StoredSession {
  /** `${api}|${orderId}` for order checkouts, `${api}|session:${sessionId}` for merchant-created ones. */
  key: string;
  api: string;
  orderId: string;
  sessionId: string;
  clientSecret: string;
  status: string;
  attempt: number;
  maxAttempts: number;
  /** The payment attempt in progress, saved before its request leaves so a reload re-sends the same key. */
  pending: PendingAttempt | null;
  /**
   * Idempotency-Keys of the other POSTs (`resume:<attempt>`, `cancel`, `interrupt:<reason>:<attempt>`), saved before
   * each request leaves so a retry of the same operation, even after a reload, reuses its key.
   */
  opKeys?: Record<string, string>;
  /** The code of the last failure shown (a decline), so a reload says it again before the server answers. */
  reason?: string | null;
  /** The amount (minor units) and currency to pay, so a reload shows them on Pay before the server answers. */
  amount?: number | null;
  currency?: string | null;
  updatedAt: number;
}

export interface PendingAttempt {
  idempotencyKey: string;
  attempt: number;
  startedAt: number;
  /** The processor token (single use, not card data) so a reload can re-send the identical body. */
  token: string;
}

/** A session POST the service worker could not deliver, waiting with its original Idempotency-Key. */
export interface OutboxEntry {
  id?: number;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  idempotencyKey: string;
  sessionId: string | null;
  queuedAt: number;
  attempts: number;
  lastError: string | null;
}

export interface CheckoutDB extends DBSchema {
  sessions: { key: string; value: StoredSession; indexes: { bySessionId: string } };
  outbox: { key: number; value: OutboxEntry; indexes: { byQueuedAt: number; byIdempotencyKey: string } };
}
