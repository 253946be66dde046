/**
 * The payment-session service: every command of the API, over the store, the state machine and the charges.
 * Routes stay thin; everything a session can do happens here, each change a conditional update on the row's version.
 * Paying (/complete) is complete.ts's.
 */
import { AppError } from '../errors.js';
import { randomId, secretMatches, sha256 } from '../ids.js';
import type { Metrics } from '../metrics.js';
import type { PaymentProcessor } from '../processor/types.js';
import type { SessionRow } from './model.js';
import type { Store } from '../store/types.js';
import type { Charges } from './charges.js';
import { complete, type Completion } from './complete.js';
import { isUnresolved } from './settlement.js';
import { CONFLICT, retryOnConflict } from './conflicts.js';
import type { SessionEvents } from './events.js';
import type { HeldKey } from './idempotency.js';
import { decodeCursor, encodeCursor, parseStatuses } from './listing.js';
import * as sm from './states.js';
import { metricReason, recordRetry, withInterruption } from './history.js';
import type { ClientSecrets } from './secrets.js';
import { sessionView, summaryView } from './views.js';
import { NO_WEBHOOKS, type WebhookRecorder } from '../webhooks/recorder.js';

export const SESSION_ID_PATTERN = /^cs_[0-9A-Za-z]{24}$/;

export interface SessionDeps {
  store: Store;
  processor: PaymentProcessor;
  charges: Charges;
  events: SessionEvents;
  metrics: Metrics;
  now: () => number;
  maxAttempts: number;
  sessionTtlMs: number;
  secrets: ClientSecrets;
  /** Records the webhook event of a change that ends a session, in the same transaction as the change. */
  webhooks?: WebhookRecorder;
}

export interface CreateInput {
  orderId: string;
  userId?: string;
  /** Only a merchant backend may set these. */
  amount?: number;
  currency?: string;
  metadata?: Record<string, unknown>;
}

type Change = { patch: Partial<SessionRow>; record?: (m: SessionRow['metadata'], at: string) => SessionRow['metadata'] } | null;

export class Sessions {
  readonly #d: SessionDeps;

  constructor(deps: SessionDeps) {
    this.#d = deps;
  }

  async create(input: CreateInput, merchant: boolean) {
    const { store, now } = this.#d;
    let amount: number;
    let currency: string;
    if (merchant && input.amount !== undefined) {
      if (!input.currency) throw new AppError('validation_error', 'currency is required with amount.');
      amount = input.amount;
      currency = input.currency; // three capitals already (domain/order-fields.ts)
    } else {
      const order = await store.shop.getOrder(input.orderId);
      if (!order) throw new AppError('order_not_found');
      amount = order.amount;
      currency = order.currency;
    }
    const t = now();
    const id = randomId('cs');
    const clientSecret = this.#d.secrets.for(id);
    const row: SessionRow = {
      id,
      orderId: input.orderId,
      userId: input.userId ?? null,
      status: 'INITIATED',
      amount,
      currency,
      attempts: 1,
      maxAttempts: this.#d.maxAttempts,
      chargedAttempt: 0,
      createdAt: t,
      updatedAt: t,
      expiresAt: t + this.#d.sessionTtlMs,
      finalAt: null,
      paymentId: null,
      lastError: null,
      metadata: { interruptions: [], retries: [], lastActivity: new Date(t).toISOString() },
      merchantMetadata: merchant ? (input.metadata ?? null) : null,
      secretHash: sha256(clientSecret),
      version: 1,
    };
    // A paid order gets no new session (the check and the insert are one statement on PostgreSQL).
    if (!(await store.sessions.insertUnlessPaid(row))) throw new AppError('order_already_paid');
    return { ...sessionView(row), clientSecret };
  }

  /**
   * A stored create answer (kept without its secret) as the caller first got it, or null when the secret cannot be
   * re-derived any more (the session is gone, or the server key changed): the create then runs again.
   */
  async replayCreate(stored: string): Promise<string | null> {
    const body = JSON.parse(stored) as { sessionId?: string };
    const s = body.sessionId ? await this.#d.store.sessions.get(body.sessionId) : undefined;
    const clientSecret = s && this.#d.secrets.recover(s.id, s.secretHash);
    return clientSecret ? JSON.stringify({ ...body, clientSecret }) : null;
  }

  /** The session if `secret` is its client secret; otherwise the same 404 as for a session that does not exist. */
  async authorize(id: string, secret: string | null): Promise<SessionRow> {
    if (!SESSION_ID_PATTERN.test(id) || !secret) throw new AppError('session_not_found');
    const s = await this.#d.store.sessions.get(id);
    if (!s || !secretMatches(secret, s.secretHash)) throw new AppError('session_not_found');
    return s;
  }

  /** Reads a session (or takes the row just read by the caller), expiring it first if it is past expiresAt. */
  async get(id: string, justRead?: SessionRow): Promise<SessionRow> {
    const s = justRead ?? (await this.#d.store.sessions.get(id));
    if (!s) throw new AppError('session_not_found');
    return this.#expireIfDue(s);
  }

  async resume(id: string) {
    const s = await this.#mutate(id, (s) => ({
      patch: sm.onResume(s),
      record: (m, at) => ({ ...m, ...recordRetry(m, { at, attempt: sm.attemptUsed(s) ? s.attempts + 1 : s.attempts }) }),
    }));
    return { status: 'RESUMED' as const, attempt: s.attempts, maxAttempts: s.maxAttempts, message: `Attempt ${s.attempts} of ${s.maxAttempts}` };
  }

  async interrupt(id: string, reason: string, attempt?: number) {
    let changed = false;
    const s = await this.#mutate(id, (s, unresolved) => {
      const patch = sm.onInterrupt(s, unresolved, this.#d.now(), attempt);
      changed = patch.status !== undefined;
      if (!changed) return null;
      return { patch, record: (m, at) => withInterruption(m, { at, reason, attempt: s.attempts }) };
    });
    if (changed) this.#d.metrics.interruptions.inc({ reason: metricReason(reason) });
    return { status: s.status, canResume: sm.canResume(s), attempt: s.attempts, maxAttempts: s.maxAttempts };
  }

  async cancel(id: string, reason: string | undefined) {
    const r = reason ?? 'user';
    await this.#mutate(id, (s, unresolved) => ({ patch: sm.onCancel(s, unresolved, this.#d.now()), record: (m) => ({ ...m, cancelReason: r }) }));
    return { status: 'CANCELLED' as const, reason: r };
  }

  /**
   * Pays (complete.ts): the answer, and what the request's key is still to store of it. A session whose order turns out
   * paid through another session is closed on the way out (`closePaidOrder`), so what it reports agrees with the 409.
   */
  async complete(id: string, token: string, idem: HeldKey, justRead?: SessionRow): Promise<Completion> {
    try {
      return await complete(this.#d, (i, r) => this.get(i, r), id, token, idem, justRead);
    } catch (err) {
      if (err instanceof AppError && err.code === 'order_already_paid') await this.#closePaid(id).catch(() => {}); // the 409 stands either way
      throw err;
    }
  }

  /**
   * The order was paid through `paidBy`: every other live session of it can never be paid. Each ends CANCELLED with
   * `lastError` `order_already_paid` (states.ts `onPaidElsewhere`) and its watchers are told, so a page showing one
   * learns it without pressing Pay. Called after the payment's settlement commits (not inside it).
   */
  async closePaidOrder(orderId: string, paidBy: string): Promise<void> {
    for (const s of await this.#d.store.sessions.listByOrder(orderId, 100)) {
      if (s.id !== paidBy && !sm.isFinal(s.status)) await this.#closePaid(s.id, s);
    }
  }

  async #closePaid(id: string, first?: SessionRow): Promise<void> {
    await this.#mutate(
      id,
      (s, unresolved) => {
        const patch = sm.onPaidElsewhere(s, unresolved, this.#d.now());
        return patch && { patch, record: (m) => ({ ...m, cancelReason: sm.PAID_ELSEWHERE.code }) };
      },
      first,
    );
  }

  async summary(id: string) {
    const s = await this.get(id);
    return summaryView(s, await this.#d.store.charges.list(id), this.#d.now());
  }

  /** An order's sessions, newest first (merchant reads); overdue ones are shown EXPIRED at once. */
  async listForOrder(orderId: string, limit: number): Promise<SessionRow[]> {
    const rows = await this.#d.store.sessions.listByOrder(orderId, limit);
    return Promise.all(rows.map((r) => this.#expireIfDue(r)));
  }

  async list(q: { status?: string; limit: number; cursor?: string }) {
    const statuses = parseStatuses(q.status);
    // The admin sees overdue sessions as EXPIRED at once, not only after the next sweep.
    await this.expireDue(100);
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    const { rows, total } = await this.#d.store.sessions.list({ statuses, limit: q.limit, after });
    const last = rows[rows.length - 1];
    return {
      sessions: rows.map(sessionView),
      total,
      nextCursor: rows.length === q.limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  /** Moves due sessions to EXPIRED (the sweeper); sessions with an unresolved charge wait for reconciliation. */
  async expireDue(limit = 500): Promise<number> {
    let n = 0;
    for (const s of await this.#d.store.sessions.listExpiredCandidates(this.#d.now(), limit)) {
      const after = await this.#expireIfDue(s);
      if (after.status === 'EXPIRED' && s.status !== 'EXPIRED') n++;
    }
    return n;
  }

  async #hasUnresolved(s: SessionRow): Promise<boolean> {
    if (s.chargedAttempt === 0) return false;
    return (await this.#d.store.charges.list(s.id)).some(isUnresolved);
  }

  async #expireIfDue(s: SessionRow): Promise<SessionRow> {
    if (sm.isFinal(s.status) || s.expiresAt > this.#d.now()) return s;
    try {
      return await this.#mutate(
        s.id,
        (cur, unresolved) => {
          const patch = sm.onExpire(cur, unresolved, this.#d.now());
          return patch && { patch };
        },
        s,
      );
    } catch (e) {
      if (e instanceof AppError) return s;
      throw e;
    }
  }

  /** Applies a change decided from the current row; retries when another writer got there first. */
  async #mutate(id: string, decide: (s: SessionRow, unresolved: boolean) => Change, first?: SessionRow): Promise<SessionRow> {
    const { store, events, now } = this.#d;
    return retryOnConflict(async (tries) => {
      const s = tries === 0 && first ? first : await this.get(id);
      const change = decide(s, await this.#hasUnresolved(s));
      if (!change) return s;
      const t = now();
      const at = new Date(t).toISOString();
      const metadata = { ...(change.record ? change.record(s.metadata, at) : s.metadata), lastActivity: at };
      const patch = { ...change.patch, metadata, updatedAt: t };
      const next = { ...s, ...patch, version: s.version + 1 };
      const webhooks = this.#d.webhooks ?? NO_WEBHOOKS;
      const from = s;
      // A change that ends the session writes its webhook event in the same transaction; the others stay one statement.
      const ok = webhooks.wants(s.status, patch.status)
        ? await store.transaction(async (tx) => {
            if (!(await tx.sessions.update(id, from.version, patch))) return false;
            await webhooks.record(tx, next);
            return true;
          })
        : await store.sessions.update(id, s.version, patch);
      if (!ok) return CONFLICT;
      events.publish(id);
      webhooks.committed();
      return next;
    });
  }
}
