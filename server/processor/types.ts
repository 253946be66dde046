/**
 * What the server needs from a card processor. The built-in test processor implements it; a real gateway adapter
 * (Stripe, Adyen, …) would too. `charge` must be idempotent on `idempotencyKey`, and `lookup` must find a charge by that key:
 * that is what lets the server reconcile a call whose answer it never got.
 */
import type { LedgerChargeRequest, LedgerChargeResult } from './ledger.js';

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export interface TokenInfo {
  token: string;
  brand: string;
  last4: string;
  expiresAt: number;
}

export type DeclineCode = 'card_declined' | 'insufficient_funds' | 'processor_error';

export type ChargeOutcome = { status: 'succeeded'; chargeId: string } | { status: 'failed'; code: DeclineCode; retryable: boolean; chargeId: string | null };

export interface ChargeRequest {
  token: string;
  amount: number;
  currency: string;
  /** The processor-side idempotency key: one per session attempt. */
  idempotencyKey: string;
  sessionId: string;
}

/** The call ended without an answer (connection dropped): the charge may or may not exist. */
export class ProcessorConnectionError extends Error {
  constructor(message = 'connection to the processor was lost') {
    super(message);
    this.name = 'ProcessorConnectionError';
  }
}

export interface LedgerCharge {
  chargeId: string;
  sessionId: string;
  idempotencyKey: string;
  amount: number;
  currency: string;
  status: 'succeeded' | 'failed';
  createdAt: string;
}

export interface PaymentProcessor {
  readonly name: string;
  /**
   * The processor's ledger is in the server's own store (the test processor): its writes commit or fail together with
   * the charge's row, so a charge need not wait for that row to be durable before it is made. A real gateway: false.
   */
  readonly sharesStore: boolean;
  /**
   * Only where the ledger is in the store (sharesStore): the charge as a ledger request the store makes in the charge
   * start's own commit (`ChargeStart.ledgerCharge`), and the call's answer from what it recorded, as `charge` would
   * give it. A charge the store did not make goes through `charge`.
   */
  readonly inStore?: {
    request(req: ChargeRequest): LedgerChargeRequest;
    answer(req: ChargeRequest, made: LedgerChargeResult | null): Promise<ChargeOutcome>;
  };
  tokenize(card: CardInput): Promise<TokenInfo>;
  /** True when the token exists, is unused and unexpired. */
  isTokenUsable(token: string): Promise<boolean>;
  charge(req: ChargeRequest): Promise<ChargeOutcome>;
  /** The charge made with this idempotency key, or null when the processor has none. */
  lookup(idempotencyKey: string): Promise<ChargeOutcome | null>;
  /**
   * Makes sure no charge with this key can succeed from now on (a real gateway: cancel the payment intent).
   * Returns the key's existing outcome when a charge got there first, or null when the key is now void.
   * Without this, "not found" could be followed by a late call landing, and a retry would charge twice.
   */
  voidUnlessCharged(req: Omit<ChargeRequest, 'token'>): Promise<ChargeOutcome | null>;
  /**
   * The card a charge was made with (brand and last four digits, as a gateway's charge object carries them), or null
   * when the processor has no such charge or does not say. Optional: an adapter without it shows no card.
   */
  cardOf?(idempotencyKey: string): Promise<{ brand: string; last4: string } | null>;
  listCharges(filter: { sessionId?: string; limit: number }): Promise<LedgerCharge[]>;
  /** Stops timers (slow-card answers) so the process can exit. */
  close(): void;
}
