/** The admin routes the dashboard reads, all with `Authorization: Bearer <admin token>`. A 401 means "sign in again". */
import { ApiError, fetchJson } from '../shared/api.js';

export const STATUSES = ['INITIATED', 'PROCESSING', 'INTERRUPTED', 'RESUMED', 'COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'] as const;
export type SessionStatus = (typeof STATUSES)[number];
export const ACTIVE_STATUSES: SessionStatus[] = ['INITIATED', 'PROCESSING', 'INTERRUPTED', 'RESUMED'];

export interface Interruption {
  at: string;
  reason: string;
  attempt: number;
}

export interface AdminSession {
  sessionId: string;
  orderId: string;
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
  metadata: { interruptions: Interruption[]; retries: { at: string; attempt: number }[]; lastActivity?: string };
}

export interface SessionPage {
  sessions: AdminSession[];
  total: number;
  nextCursor: string | null;
}

export interface SessionSummary {
  sessionId: string;
  orderId: string;
  status: SessionStatus;
  amount?: number;
  currency?: string;
  attempts: number;
  maxAttempts: number;
  interruptions: Interruption[];
  retries: { at: string; attempt: number }[];
  durationMs: number;
  createdAt?: string;
  updatedAt?: string;
  finishedAt?: string;
  paymentId?: string;
  lastError?: { code: string; message: string };
}

export interface ProcessorCharge {
  chargeId: string;
  sessionId: string;
  idempotencyKey: string;
  amount: number;
  currency: string;
  status: string;
  createdAt: string;
  failureCode?: string | null;
}

/** `GET /sessions/stats` (the server's dashboard aggregate; not in the public contract, so the dashboard can do without it). */
export interface SessionStats {
  counts: Record<string, number>;
  interruptionsByReason: Record<string, number>;
}

export class AdminApi {
  constructor(readonly token: string) {}

  #get<T>(path: string): Promise<T> {
    return fetchJson<T>(path, { headers: { Authorization: `Bearer ${this.token}` }, cache: 'no-store' });
  }

  /** `status`: one status, or '' for the active ones (the server's default), or 'all'. */
  sessions(q: { status?: string; limit?: number; cursor?: string | null } = {}): Promise<SessionPage> {
    const p = new URLSearchParams();
    if (q.status) p.set('status', q.status);
    if (q.limit) p.set('limit', String(q.limit));
    if (q.cursor) p.set('cursor', q.cursor);
    const qs = p.toString();
    return this.#get(`/api/payments/sessions/active${qs ? `?${qs}` : ''}`);
  }

  summary(sessionId: string): Promise<SessionSummary> {
    return this.#get(`/api/payments/session/${encodeURIComponent(sessionId)}/summary`);
  }

  charges(): Promise<ProcessorCharge[]> {
    return this.#get<{ charges: ProcessorCharge[] }>('/api/payments/test-processor/charges').then((r) => r.charges);
  }

  /** Counts by status and interruptions by reason: from `/sessions/stats` when the server has it, else from the listings. */
  async stats(): Promise<SessionStats> {
    try {
      return await this.#get<SessionStats>('/api/payments/sessions/stats');
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 405)) throw e;
    }
    const pages = await Promise.all(STATUSES.map((s) => this.sessions({ status: s, limit: 500 })));
    const counts: Record<string, number> = {};
    const interruptionsByReason: Record<string, number> = {};
    pages.forEach((page, i) => {
      counts[STATUSES[i]] = page.total;
      for (const s of page.sessions)
        for (const it of s.metadata?.interruptions ?? []) interruptionsByReason[it.reason] = (interruptionsByReason[it.reason] ?? 0) + 1;
    });
    return { counts, interruptionsByReason };
  }
}

export const isUnauthorized = (e: unknown): boolean => e instanceof ApiError && e.status === 401;
