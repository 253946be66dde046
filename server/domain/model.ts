/**
 * The checkout's model: what a session, a charge, an idempotency record and a demo shop order are. The domain works in
 * these types; the store (server/store/) implements its repositories over them and never the other way round.
 */

export const SESSION_STATUSES = ['INITIATED', 'PROCESSING', 'INTERRUPTED', 'RESUMED', 'COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface Interruption {
  at: string;
  reason: string;
  attempt: number;
}
export interface Retry {
  at: string;
  attempt: number;
}
export interface SessionMeta {
  interruptions: Interruption[];
  retries: Retry[];
  lastActivity: string;
  cancelReason?: string;
  /** How many were ever recorded (the lists keep only the latest HISTORY_LIMIT); absent on rows written before the cap = the list's length. */
  interruptionCount?: number;
  retryCount?: number;
}

export interface SessionRow {
  id: string;
  orderId: string;
  userId: string | null;
  status: SessionStatus;
  /** Minor units (cents). */
  amount: number;
  currency: string;
  attempts: number;
  maxAttempts: number;
  /** The last attempt number in which a charge was started (0 = none): an attempt is "used" once it charged. */
  chargedAttempt: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  finalAt: number | null;
  paymentId: string | null;
  lastError: { code: string; message: string } | null;
  metadata: SessionMeta;
  merchantMetadata: Record<string, unknown> | null;
  secretHash: string;
  /** Optimistic-concurrency version; every update is conditional on it. */
  version: number;
}

export const CHARGE_STATUSES = ['pending', 'succeeded', 'failed', 'unknown'] as const;
export type ChargeStatus = (typeof CHARGE_STATUSES)[number];

/** Our record of one processor call (the processor keeps its own ledger). */
export interface ChargeRow {
  chargeKey: string;
  sessionId: string;
  attempt: number;
  status: ChargeStatus;
  amount: number;
  currency: string;
  startedAt: number;
  deadlineAt: number;
  resolvedAt: number | null;
  paymentId: string | null;
  errorCode: string | null;
}

export type IdempotencyState = 'in_flight' | 'pending' | 'done';
export interface IdempotencyRow {
  scope: string;
  key: string;
  fingerprint: string;
  state: IdempotencyState;
  statusCode: number | null;
  responseBody: string | null;
  chargeKey: string | null;
  createdAt: number;
  expiresAt: number;
  leaseUntil: number;
}

export interface ProductRow {
  productId: string;
  name: string;
  price: number;
  currency: string;
  image: string | null;
}
export interface OrderRow {
  orderId: string;
  amount: number;
  currency: string;
  items: { productId: string; quantity: number; name: string; price: number }[];
  createdAt: number;
}

export const FINAL_STATUSES: readonly SessionStatus[] = ['COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'];
/** The non-final statuses (the admin listing's default filter; migration 0003's partial index spells them the same way). */
export const LIVE_STATUSES: readonly SessionStatus[] = ['INITIATED', 'PROCESSING', 'INTERRUPTED', 'RESUMED'];

/** Session-change notifications for SSE subscribers: in-process (domain/events.ts) or across instances (store/pg-events.ts). */
export interface SessionEvents {
  publish(sessionId: string): void;
  subscribe(sessionId: string, onChange: () => void): () => void;
  close(): Promise<void>;
}
