/**
 * The storage interface the domain talks to: one repository per aggregate over the model of domain/model.ts. One
 * implementation over Kysely serves both engines (`sqlite.ts`, `postgres.ts` only build the Kysely instance and supply
 * engine helpers); the domain never sees SQL.
 */
import type { ChargeRow, IdempotencyRow, OrderRow, ProductRow, SessionRow, SessionStatus } from '../domain/model.js';
import type { LedgerChargeRequest, LedgerChargeResult, ProcessorLedger } from '../processor/ledger.js';
import type { WebhookOutbox } from '../webhooks/outbox.js';

export interface ListSessionsQuery {
  statuses: readonly SessionStatus[] | null;
  limit: number;
  /** Keyset: sessions created before (createdAt, id). */
  after: { createdAt: number; id: string } | null;
}

/**
 * What a charge start writes, together or not at all: the session PROCESSING on its version, the order's lock, the
 * charge, the request's key's link to it, and with `ledgerCharge` the processor's charge in its ledger in this store
 * (where the engine can do it in the same statement: PostgreSQL outside a transaction; elsewhere it is left to the caller).
 */
export interface ChargeStart {
  sessionId: string;
  expectedVersion: number;
  orderId: string;
  patch: { status: SessionStatus; chargedAttempt: number; updatedAt: number; metadata: SessionRow['metadata'] };
  charge: ChargeRow;
  idempotency: { scope: string; key: string };
  ledgerCharge?: LedgerChargeRequest;
  /** A token of the processor's ledger in this store: nothing is written unless it is unused and unexpired at `now`. */
  usableToken?: { token: string; now: number };
}

/**
 * `ledger`: present when the start made the ledger's charge (null: a concurrent call with its key recorded first).
 * `token`: `usableToken` is used, expired or unknown; `version`: the session was not on the expected version; `order`:
 * the order is locked by another session or paid. Nothing written.
 */
export type ChargeStartResult =
  | { ok: true; ledger?: LedgerChargeResult | null }
  | { ok: false; reason: 'token' }
  | { ok: false; reason: 'version' }
  | { ok: false; reason: 'order'; state: 'charging' | 'paid' | null; sessionId: string | null };

/** A successful charge's settlement of a session not yet COMPLETED: the charge, the session on its version, the order paid, the keys answered. */
export interface SuccessSettlement {
  chargeKey: string;
  resolvedAt: number;
  paymentId: string;
  sessionId: string;
  expectedVersion: number;
  orderId: string;
  answer: { statusCode: number; responseBody: string };
}

/**
 * `settled` by this call; `settled_alone`: settled, and the order had no other live session (PostgreSQL's one statement
 * looks, so nobody is left to close: `Sessions.closePaidOrder`); `already` settled by someone else; `version`: the
 * session moved on (nothing written).
 */
export type SettlementResult = 'settled' | 'settled_alone' | 'already' | 'version';

export const isSettled = (r: SettlementResult) => r === 'settled' || r === 'settled_alone';

export type SessionPatch = Partial<Omit<SessionRow, 'id' | 'version'>>;

export interface SessionRepository {
  insert(row: SessionRow): Promise<void>;
  /** Inserts a new session unless its order is paid already (then false, nothing written; one statement on PostgreSQL). */
  insertUnlessPaid(row: SessionRow): Promise<boolean>;
  get(id: string): Promise<SessionRow | undefined>;
  /** Applies patch if the row still has expectedVersion; bumps version. False when someone else changed it first. */
  update(id: string, expectedVersion: number, patch: SessionPatch): Promise<boolean>;
  list(q: ListSessionsQuery): Promise<{ rows: SessionRow[]; total: number }>;
  countByStatus(): Promise<Record<string, number>>;
  /** Non-final sessions whose expiresAt has passed. */
  listExpiredCandidates(now: number, limit: number): Promise<SessionRow[]>;
  /** Deletes final sessions (and their charges) whose finalAt is before `before`. */
  purgeFinal(before: number): Promise<number>;
  /** Sessions final since `since` (newest outcomes first), then those live now: up to `limit` of each (for analytics). */
  listActiveSince(since: number, limit: number): Promise<SessionRow[]>;
  /** An order's sessions, newest first, at most `limit` (merchant reads). */
  listByOrder(orderId: string, limit: number): Promise<SessionRow[]>;
}

export type OrderPayment = { state: 'charging' | 'paid'; sessionId: string };

/** Our record of processor calls, and each order's payment lock (which session may charge it, or that it is paid). */
export interface ChargeRepository {
  insert(row: ChargeRow): Promise<void>;
  get(chargeKey: string): Promise<ChargeRow | undefined>;
  /** The charge once a transaction writing it has committed (PostgreSQL waits on the row's lock; SQLite writes one at a time). */
  getCommitted(chargeKey: string): Promise<ChargeRow | undefined>;
  list(sessionId: string): Promise<ChargeRow[]>;
  /** Marks the charge settled if it is still unresolved; false when it was settled already. */
  settle(chargeKey: string, patch: Pick<ChargeRow, 'status' | 'resolvedAt' | 'paymentId' | 'errorCode'>): Promise<boolean>;
  markUnknown(chargeKey: string): Promise<void>;
  /** Starts a charge: every row of ChargeStart, or none (one statement on PostgreSQL). */
  start(start: ChargeStart): Promise<ChargeStartResult>;
  /** Settles a successful charge and completes its session: every row, or none (one statement on PostgreSQL). */
  settleSucceeded(s: SuccessSettlement): Promise<SettlementResult>;
  /** Unresolved charges that may be looked up: status unknown, or pending past their deadline. */
  listToReconcile(now: number, limit: number): Promise<ChargeRow[]>;

  /** Takes the order's payment lock for a session. Returns the holder when another session holds it or the order is paid. */
  lockOrder(orderId: string, sessionId: string, now: number): Promise<{ ok: true } | ({ ok: false } & OrderPayment)>;
  releaseOrder(orderId: string, sessionId: string): Promise<void>;
  markOrderPaid(orderId: string, sessionId: string, now: number): Promise<void>;
  getOrderPayment(orderId: string): Promise<OrderPayment | undefined>;
}

export interface IdempotencyRepository {
  get(scope: string, key: string): Promise<IdempotencyRow | undefined>;
  /** Inserts a new in-flight record; false when (scope, key) exists. */
  insert(row: IdempotencyRow): Promise<boolean>;
  /** Takes over an in-flight record whose lease expired (the request that held it died). */
  takeOver(scope: string, key: string, fingerprint: string, now: number, leaseUntil: number): Promise<boolean>;
  finish(scope: string, key: string, patch: Pick<IdempotencyRow, 'state' | 'statusCode' | 'responseBody' | 'chargeKey'>): Promise<void>;
  delete(scope: string, key: string): Promise<void>;
  /** Writes a charge's final answer into every record linked to it that has none yet (pending, or in flight in a request that died). */
  resolvePending(chargeKey: string, statusCode: number, responseBody: string): Promise<void>;
  purge(now: number): Promise<number>;
}

/** The demo shop's catalogue and orders (the built-in order source behind /api/store/*). */
export interface ShopRepository {
  upsertProducts(rows: ProductRow[]): Promise<void>;
  listProducts(): Promise<ProductRow[]>;
  getProducts(ids: string[]): Promise<ProductRow[]>;
  insertOrder(row: OrderRow): Promise<void>;
  getOrder(orderId: string): Promise<OrderRow | undefined>;
}

/** Every repository, on one connection: the store's own, or a transaction's. */
export interface Repositories {
  readonly sessions: SessionRepository;
  readonly charges: ChargeRepository;
  readonly idempotency: IdempotencyRepository;
  readonly shop: ShopRepository;
  /** The test processor's ledger (processor/ledger.ts). */
  readonly ledger: ProcessorLedger;
  readonly webhooks: WebhookOutbox;
}

export interface Store extends Repositories {
  readonly engine: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
  ping(): Promise<void>;
  /**
   * Resolves once everything written so far survives a crash of this process; rejects if it could not be committed.
   * Answers and calls to outside systems wait for it (SQLite commits a turn's work together; PostgreSQL at once).
   */
  durable(): Promise<void>;
  /** Runs fn atomically with repositories bound to the transaction (inside one already: that one's). */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /** Runs a background job unless another process on the same database is running it now (then resolves undefined). */
  runExclusive<T>(job: string, fn: () => Promise<T>): Promise<T | undefined>;
}
