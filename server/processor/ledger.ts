/**
 * The test processor's own ledger: its tokens and charges, kept as an external processor keeps them. The store
 * implements it over the server's database (store/repositories/ledger.ts); a real gateway adapter needs none of it.
 */
export interface ProcessorTokenRow {
  token: string;
  brand: string;
  last4: string;
  /** The test card's behaviour (not the number). */
  behaviour: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}
/** A token can pay: known, never used, and not expired at `now` (pg-charge-start.ts says the same in SQL). */
export const isTokenUsableAt = (t: ProcessorTokenRow | undefined, now: number): t is ProcessorTokenRow => !!t && t.usedAt === null && t.expiresAt > now;

export interface ProcessorChargeRow {
  chargeId: string;
  sessionId: string;
  idempotencyKey: string;
  amount: number;
  currency: string;
  status: 'succeeded' | 'failed';
  failureCode: string | null;
  createdAt: number;
  /** The card charged, as the token knew it (brand and last four digits only; absent on voided keys). */
  brand?: string | null;
  last4?: string | null;
}

/**
 * A whole charge at once: the key's earlier outcome if it has one; else the token used (once, unexpired) and the charge
 * recorded with the outcome its behaviour maps to (`outcomes`; no usable token: `noToken`; a behaviour not in the map: `fallback`).
 */
export interface LedgerChargeRequest {
  chargeId: string;
  token: string;
  idempotencyKey: string;
  sessionId: string;
  amount: number;
  currency: string;
  now: number;
  outcomes: Record<string, readonly [string, string | null]>;
  noToken: readonly [string, string | null];
  fallback: readonly [string, string | null];
}

/** The ledger row for the key, whether it was there before (`prior`), and the token's behaviour when this call used it. */
export interface LedgerChargeResult {
  chargeId: string;
  status: string;
  failureCode: string | null;
  prior: boolean;
  behaviour: string | null;
}

export interface ProcessorLedger {
  /** Runs fn atomically with a ledger bound to the transaction. */
  transaction<T>(fn: (ledger: ProcessorLedger) => Promise<T>): Promise<T>;
  insertToken(row: ProcessorTokenRow): Promise<void>;
  getToken(token: string): Promise<ProcessorTokenRow | undefined>;
  /** Marks a token used; false when it was used already. */
  useToken(token: string, now: number): Promise<boolean>;
  /** Records a charge; false when the idempotency key has one already. */
  insertCharge(row: ProcessorChargeRow): Promise<boolean>;
  /** The whole charge in one statement where the engine has one (PostgreSQL, outside a transaction): undefined means "not here,
   * do it step by step"; null, that a concurrent call with the key recorded first. */
  chargeAtOnce(a: LedgerChargeRequest): Promise<LedgerChargeResult | null | undefined>;
  getChargeByKey(idempotencyKey: string): Promise<ProcessorChargeRow | undefined>;
  listCharges(filter: { sessionId?: string; limit: number }): Promise<ProcessorChargeRow[]>;
}
