/** What the API shows of a session (docs/API.md "The session"): never the secret hash, never card data. */
import type { ChargeRow, SessionRow, SessionStatus } from './model.js';
import { interruptionCount, publicMeta, retryCount } from './history.js';

const iso = (ms: number) => new Date(ms).toISOString();

export interface SessionView {
  sessionId: string;
  orderId: string;
  userId?: string;
  status: SessionStatus;
  amount: number;
  currency: string;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  paymentId?: string;
  lastError?: { code: string; message: string };
  metadata: SessionRow['metadata'];
  merchantMetadata?: Record<string, unknown>;
}

export function sessionView(s: SessionRow): SessionView {
  return {
    sessionId: s.id,
    orderId: s.orderId,
    ...(s.userId ? { userId: s.userId } : {}),
    status: s.status,
    amount: s.amount,
    currency: s.currency,
    attempts: s.attempts,
    maxAttempts: s.maxAttempts,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    expiresAt: iso(s.expiresAt),
    ...(s.paymentId ? { paymentId: s.paymentId } : {}),
    ...(s.lastError ? { lastError: s.lastError } : {}),
    metadata: publicMeta(s.metadata),
    ...(s.merchantMetadata ? { merchantMetadata: s.merchantMetadata } : {}),
  };
}

export function summaryView(s: SessionRow, charges: ChargeRow[], now: number) {
  const end = s.finalAt ?? now;
  return {
    sessionId: s.id,
    orderId: s.orderId,
    status: s.status,
    amount: s.amount,
    currency: s.currency,
    attempts: s.attempts,
    maxAttempts: s.maxAttempts,
    interruptions: s.metadata.interruptions,
    retries: s.metadata.retries,
    interruptionCount: interruptionCount(s.metadata),
    retryCount: retryCount(s.metadata),
    durationMs: Math.max(0, end - s.createdAt),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    ...(s.finalAt ? { finishedAt: iso(s.finalAt) } : {}),
    ...(s.paymentId ? { paymentId: s.paymentId } : {}),
    ...(s.lastError ? { lastError: s.lastError } : {}),
    charges: charges.map((c) => ({
      attempt: c.attempt,
      status: c.status,
      startedAt: iso(c.startedAt),
      ...(c.resolvedAt ? { resolvedAt: iso(c.resolvedAt), durationMs: c.resolvedAt - c.startedAt } : {}),
      ...(c.paymentId ? { paymentId: c.paymentId } : {}),
      ...(c.errorCode ? { errorCode: c.errorCode } : {}),
    })),
  };
}
