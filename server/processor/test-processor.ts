/**
 * The built-in test processor (PROCESSOR=test): a simulated card network, deterministic by card number (docs/API.md "Test processor").
 * It keeps its own ledger in its own tables, as an external processor would, so it survives restarts and is shared
 * by every server instance on one database. Card numbers never leave `tokenize`: a token remembers only brand, last4
 * and the test card's behaviour.
 */
import { randomId } from '../ids.js';
import { type CardBehaviour, checkCard } from './cards.js';
import { type LedgerChargeRequest, type LedgerChargeResult, type ProcessorLedger, isTokenUsableAt } from './ledger.js';
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

/** What each test card's behaviour records in the ledger (the slow and lost-answer cards succeed; their answer is what suffers). */
const OUTCOMES: Record<CardBehaviour, ['succeeded' | 'failed', DeclineCode | null]> = {
  succeed: ['succeeded', null],
  slow: ['succeeded', null],
  answer_lost: ['succeeded', null],
  decline: ['failed', 'card_declined'],
  insufficient_funds: ['failed', 'insufficient_funds'],
  transient_error: ['failed', 'processor_error'],
};

export interface TestProcessorOptions {
  /** Its ledger: on the server's own database (Store.ledger), shared by every instance on it. */
  ledger: ProcessorLedger;
  /** The slow card (6975) answers this long after the charge: past the server's PAYMENT_TIMEOUT_MS. */
  slowAnswerMs: number;
  now?: () => number;
}

export class TestProcessor implements PaymentProcessor {
  readonly name = 'test';
  readonly sharesStore = true;
  readonly #ledger: ProcessorLedger;
  readonly #slowAnswerMs: number;
  readonly #now: () => number;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(opts: TestProcessorOptions) {
    this.#ledger = opts.ledger;
    this.#slowAnswerMs = opts.slowAnswerMs;
    this.#now = opts.now ?? Date.now;
  }

  async tokenize(card: CardInput): Promise<TokenInfo> {
    const now = this.#now();
    const checked = checkCard(card, new Date(now));
    const token = randomId('tok');
    const expiresAt = now + TOKEN_TTL_MS;
    await this.#ledger.insertToken({
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
    return isTokenUsableAt(await this.#ledger.getToken(token), this.#now());
  }

  async charge(req: ChargeRequest): Promise<ChargeOutcome> {
    // One ledger transaction, like a real gateway's: the token is used and the charge recorded together, or neither.
    const made = await this.#ledger.chargeAtOnce(this.#ledgerRequest(req));
    if (made !== undefined) return this.#answerMade(req, made);
    const { outcome, behaviour } = await this.#ledger.transaction((ledger) => this.#chargeIn(ledger, req));
    return this.#answer(outcome, behaviour);
  }

  /** Its ledger is the server's store: a charge start can make the charge in its own commit (PostgreSQL), then ask for the answer. */
  readonly inStore = {
    request: (req: ChargeRequest): LedgerChargeRequest => this.#ledgerRequest(req),
    answer: (req: ChargeRequest, made: LedgerChargeResult | null): Promise<ChargeOutcome> => this.#answerMade(req, made),
  };

  /** The charge as the ledger's one-statement form takes it: the card behaviours' outcomes as data. */
  #ledgerRequest(req: ChargeRequest): LedgerChargeRequest {
    return {
      chargeId: randomId('ch'),
      token: req.token,
      idempotencyKey: req.idempotencyKey,
      sessionId: req.sessionId,
      amount: req.amount,
      currency: req.currency,
      now: this.#now(),
      outcomes: OUTCOMES,
      noToken: ['failed', 'card_declined'],
      fallback: OUTCOMES.succeed,
    };
  }

  /** The call's answer from what the ledger recorded; null: a concurrent call with the same key recorded first. */
  async #answerMade(req: ChargeRequest, made: LedgerChargeResult | null): Promise<ChargeOutcome> {
    if (made === null) return (await this.#lookupIn(this.#ledger, req.idempotencyKey))!;
    return this.#answer(toOutcome(made), made.prior ? null : made.behaviour);
  }

  /** The card's behaviour acts on the answer, never on what was recorded. */
  async #answer(outcome: ChargeOutcome, behaviour: string | null): Promise<ChargeOutcome> {
    if (behaviour === 'slow') await this.#sleep(this.#slowAnswerMs);
    if (behaviour === 'answer_lost') throw new ProcessorConnectionError();
    return outcome;
  }

  async #chargeIn(ledger: ProcessorLedger, req: ChargeRequest): Promise<{ outcome: ChargeOutcome; behaviour: string | null }> {
    // Idempotent on the key: the same key returns the first charge's outcome (and never replays the card's behaviour).
    const existing = await this.#lookupIn(ledger, req.idempotencyKey);
    if (existing) return { outcome: existing, behaviour: null };

    const token = await ledger.getToken(req.token);
    const now = this.#now();
    if (!token || token.expiresAt <= now || !(await ledger.useToken(req.token, now))) {
      return { outcome: await this.#record(ledger, req, 'failed', 'card_declined'), behaviour: null };
    }
    const [status, code] = OUTCOMES[token.behaviour as CardBehaviour] ?? OUTCOMES.succeed;
    return { outcome: await this.#record(ledger, req, status, code, token), behaviour: token.behaviour };
  }

  lookup(idempotencyKey: string): Promise<ChargeOutcome | null> {
    return this.#lookupIn(this.#ledger, idempotencyKey);
  }

  async #lookupIn(ledger: ProcessorLedger, idempotencyKey: string): Promise<ChargeOutcome | null> {
    const c = await ledger.getChargeByKey(idempotencyKey);
    return c ? toOutcome(c) : null;
  }

  async cardOf(idempotencyKey: string): Promise<{ brand: string; last4: string } | null> {
    const c = await this.#ledger.getChargeByKey(idempotencyKey);
    return c?.brand && c.last4 ? { brand: c.brand, last4: c.last4 } : null;
  }

  async voidUnlessCharged(req: Omit<ChargeRequest, 'token'>): Promise<ChargeOutcome | null> {
    // The ledger's unique idempotency key decides the race with a late charge: one insert wins, the other reads it.
    const inserted = await this.#ledger.insertCharge({
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
    const rows = await this.#ledger.listCharges(filter);
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

  async #record(
    ledger: ProcessorLedger,
    req: ChargeRequest,
    status: 'succeeded' | 'failed',
    failureCode: DeclineCode | null,
    card?: { brand: string; last4: string },
  ): Promise<ChargeOutcome> {
    const chargeId = randomId('ch');
    const inserted = await ledger.insertCharge({
      chargeId,
      sessionId: req.sessionId,
      idempotencyKey: req.idempotencyKey,
      amount: req.amount,
      currency: req.currency,
      status,
      failureCode,
      createdAt: this.#now(),
      brand: card?.brand ?? null,
      last4: card?.last4 ?? null,
    });
    // Lost a race with a concurrent call carrying the same key: answer with the winner's outcome.
    if (!inserted) return (await this.#lookupIn(ledger, req.idempotencyKey))!;
    return status === 'succeeded' ? { status, chargeId } : { status, code: failureCode!, retryable: failureCode === 'processor_error', chargeId };
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

/** A ledger row's outcome, as the processor answers it. */
function toOutcome(c: { chargeId: string; status: string; failureCode: string | null }): ChargeOutcome {
  if (c.failureCode === VOIDED) return { status: 'failed', code: 'processor_error', retryable: true, chargeId: null };
  return c.status === 'succeeded'
    ? { status: 'succeeded', chargeId: c.chargeId }
    : { status: 'failed', code: c.failureCode as DeclineCode, retryable: c.failureCode === 'processor_error', chargeId: c.chargeId };
}
