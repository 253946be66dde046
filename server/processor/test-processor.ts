/**
 * The built-in test processor (PROCESSOR=test): a simulated card network, deterministic by card number (CONTRACT §3).
 * It keeps its own ledger in its own tables, as an external processor would, so it survives restarts and is shared
 * by every server instance on one database. Card numbers never leave `tokenize`: a token remembers only brand, last4
 * and the test card's behaviour.
 */
import { randomId } from '../ids.js';
import type { Store } from '../store/types.js';
import { checkCard } from './cards.js';
import {
  ProcessorConnectionError,
  type CardInput,
  type ChargeOutcome,
  type ChargeRequest,
  type DeclineCode,
  type LedgerCharge,
  type PaymentProcessor,
  type TokenInfo,
} from './types.js';

const TOKEN_TTL_MS = 15 * 60_000; // 15 minutes
/** Ledger failure code of a key closed by voidUnlessCharged: nothing was charged under it, and nothing can be. */
const VOIDED = 'voided';

export interface TestProcessorOptions {
  store: Store;
  /** The slow card (6975) answers this long after the charge: past the server's PAYMENT_TIMEOUT_MS. */
  slowAnswerMs: number;
  now?: () => number;
}

export class TestProcessor implements PaymentProcessor {
  readonly name = 'test';
  readonly #store: Store;
  readonly #slowAnswerMs: number;
  readonly #now: () => number;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(opts: TestProcessorOptions) {
    this.#store = opts.store;
    this.#slowAnswerMs = opts.slowAnswerMs;
    this.#now = opts.now ?? Date.now;
  }

  async tokenize(card: CardInput): Promise<TokenInfo> {
    const now = this.#now();
    const checked = checkCard(card, new Date(now));
    const token = randomId('tok');
    const expiresAt = now + TOKEN_TTL_MS;
    await this.#store.insertProcessorToken({
      token,
      brand: checked.brand,
      last4: checked.digits.slice(-4),
      behaviour: checked.behaviour,
      createdAt: now,
      expiresAt,
      usedAt: null,
    });
    return { token, brand: checked.brand, last4: checked.digits.slice(-4), expiresAt };
  }

  async isTokenUsable(token: string): Promise<boolean> {
    const t = await this.#store.getProcessorToken(token);
    return !!t && t.usedAt === null && t.expiresAt > this.#now();
  }

  async charge(req: ChargeRequest): Promise<ChargeOutcome> {
    // Idempotent on the key, like a real gateway: the same key returns the first charge's outcome.
    const existing = await this.lookup(req.idempotencyKey);
    if (existing) return existing;

    const token = await this.#store.getProcessorToken(req.token);
    const now = this.#now();
    if (!token || token.expiresAt <= now || !(await this.#store.useProcessorToken(req.token, now))) {
      return this.#record(req, 'failed', 'card_declined');
    }
    switch (token.behaviour) {
      case 'decline':
        return this.#record(req, 'failed', 'card_declined');
      case 'insufficient_funds':
        return this.#record(req, 'failed', 'insufficient_funds');
      case 'transient_error':
        return this.#record(req, 'failed', 'processor_error');
      case 'slow': {
        const outcome = await this.#record(req, 'succeeded', null);
        await this.#sleep(this.#slowAnswerMs);
        return outcome;
      }
      case 'answer_lost':
        await this.#record(req, 'succeeded', null);
        throw new ProcessorConnectionError();
      default:
        return this.#record(req, 'succeeded', null);
    }
  }

  async lookup(idempotencyKey: string): Promise<ChargeOutcome | null> {
    const c = await this.#store.getProcessorChargeByKey(idempotencyKey);
    if (!c) return null;
    if (c.failureCode === VOIDED) return { status: 'failed', code: 'processor_error', retryable: true, chargeId: null };
    return c.status === 'succeeded'
      ? { status: 'succeeded', chargeId: c.chargeId }
      : { status: 'failed', code: c.failureCode as DeclineCode, retryable: c.failureCode === 'processor_error', chargeId: c.chargeId };
  }

  async voidUnlessCharged(req: Omit<ChargeRequest, 'token'>): Promise<ChargeOutcome | null> {
    // The ledger's unique idempotency key decides the race with a late charge: one insert wins, the other reads it.
    const inserted = await this.#store.insertProcessorCharge({
      chargeId: randomId('void'),
      sessionId: req.sessionId,
      idempotencyKey: req.idempotencyKey,
      amount: req.amount,
      currency: req.currency,
      status: 'failed',
      failureCode: VOIDED,
      createdAt: this.#now(),
    });
    return inserted ? null : this.lookup(req.idempotencyKey);
  }

  async listCharges(filter: { sessionId?: string; limit: number }): Promise<LedgerCharge[]> {
    const rows = await this.#store.listProcessorCharges(filter);
    return rows.map((r) => ({
      chargeId: r.chargeId,
      sessionId: r.sessionId,
      idempotencyKey: r.idempotencyKey,
      amount: r.amount,
      currency: r.currency,
      status: r.status,
      createdAt: new Date(r.createdAt).toISOString(),
    }));
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  async #record(req: ChargeRequest, status: 'succeeded' | 'failed', failureCode: DeclineCode | null): Promise<ChargeOutcome> {
    const chargeId = randomId('ch');
    const inserted = await this.#store.insertProcessorCharge({
      chargeId,
      sessionId: req.sessionId,
      idempotencyKey: req.idempotencyKey,
      amount: req.amount,
      currency: req.currency,
      status,
      failureCode,
      createdAt: this.#now(),
    });
    // Lost a race with a concurrent call carrying the same key: answer with the winner's outcome.
    if (!inserted) return (await this.lookup(req.idempotencyKey))!;
    return status === 'succeeded'
      ? { status, chargeId }
      : { status, code: failureCode!, retryable: failureCode === 'processor_error', chargeId };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.#timers.add(t);
    });
  }
}
