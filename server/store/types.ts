/**
 * The storage interface the domain talks to. One implementation over Kysely serves both engines
 * (`sqlite.ts`, `postgres.ts` only build the Kysely instance and supply engine helpers); the domain never sees SQL.
 */
import type { WebhookOutbox } from '../webhooks/outbox.js';
import type { LedgerCharge, LedgerChargeResult } from './pg-hot-paths.js';

export const SESSION_STATUSES = [
  'INITIATED',
  'PROCESSING',
  'INTERRUPTED',
  'RESUMED',
  'COMPLETED',
  'CANCELLED',
  'FAILED_MAX_RETRIES',
  'EXPIRED',
] as const;
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

export interface ListSessionsQuery {
  statuses: readonly SessionStatus[] | null;
  limit: number;
  /** Keyset: sessions created before (createdAt, id). */
  after: { createdAt: number; id: string } | null;
}

/** What a charge start writes, together or not at all: the session PROCESSING on its version, the order's lock, the charge, the key's link to it. */
export interface ChargeStart {
  sessionId: string;
  expectedVersion: number;
  orderId: string;
  patch: { status: SessionStatus; chargedAttempt: number; updatedAt: number; metadata: SessionRow['metadata'] };
  charge: ChargeRow;
  idempotency: { scope: string; key: string };
}

/** `version`: the session was not on the expected version; `order`: the order is locked by another session or paid. Nothing written. */
export type ChargeStartResult =
  | { ok: true }
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

/** `settled` by this call; `already` settled by someone else; `version`: the session moved on (nothing written). */
export type SettlementResult = 'settled' | 'already' | 'version';

export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
  ping(): Promise<void>;
  /**
   * Resolves once everything written so far survives a crash of this process; rejects if it could not be committed.
   * Answers and calls to outside systems wait for it (SQLite commits a turn's work together; PostgreSQL at once).
   */
  durable(): Promise<void>;
  /** Runs fn atomically; the store passed in is bound to the transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Runs a background job unless another process on the same database is running it now (then resolves undefined). */
  runExclusive<T>(job: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** The webhook outbox on this store (bound to the transaction when this store is one). */
  webhookOutbox(): WebhookOutbox;

  insertSession(row: SessionRow): Promise<void>;
  /** Inserts a new session unless its order is paid already (then false, nothing written; one statement on PostgreSQL). */
  insertSessionUnlessPaid(row: SessionRow): Promise<boolean>;
  getSession(id: string): Promise<SessionRow | undefined>;
  /** Applies patch if the row still has expectedVersion; bumps version. False when someone else changed it first. */
  updateSession(id: string, expectedVersion: number, patch: Partial<Omit<SessionRow, 'id' | 'version'>>): Promise<boolean>;
  listSessions(q: ListSessionsQuery): Promise<{ rows: SessionRow[]; total: number }>;
  countSessionsByStatus(): Promise<Record<string, number>>;
  /** Non-final sessions whose expiresAt has passed. */
  listExpiredCandidates(now: number, limit: number): Promise<SessionRow[]>;
  /** Deletes final sessions (and their charges and order locks' history) whose finalAt is before `before`. */
  purgeFinalSessions(before: number): Promise<number>;
  /** Sessions final since `since` (newest outcomes first), then those live now: up to `limit` of each (for analytics). */
  listSessionsActiveSince(since: number, limit: number): Promise<SessionRow[]>;
  /** An order's sessions, newest first, at most `limit` (merchant reads). */
  listSessionsByOrder(orderId: string, limit: number): Promise<SessionRow[]>;

  insertCharge(row: ChargeRow): Promise<void>;
  getCharge(chargeKey: string): Promise<ChargeRow | undefined>;
  listCharges(sessionId: string): Promise<ChargeRow[]>;
  /** Marks the charge settled if it is still unresolved; false when it was settled already. */
  settleCharge(chargeKey: string, patch: Pick<ChargeRow, 'status' | 'resolvedAt' | 'paymentId' | 'errorCode'>): Promise<boolean>;
  markChargeUnknown(chargeKey: string): Promise<void>;
  /** Starts a charge: every row of ChargeStart, or none (one statement on PostgreSQL). */
  startCharge(start: ChargeStart): Promise<ChargeStartResult>;
  /** Settles a successful charge and completes its session: every row, or none (one statement on PostgreSQL). */
  settleSucceeded(s: SuccessSettlement): Promise<SettlementResult>;
  /** Unresolved charges that may be looked up: status unknown, or pending past their deadline. */
  listChargesToReconcile(now: number, limit: number): Promise<ChargeRow[]>;

  /** Takes the order's payment lock for a session. Returns the holder when another session holds it or the order is paid. */
  lockOrder(orderId: string, sessionId: string, now: number): Promise<{ ok: true } | { ok: false; state: 'charging' | 'paid'; sessionId: string }>;
  releaseOrder(orderId: string, sessionId: string): Promise<void>;
  markOrderPaid(orderId: string, sessionId: string, now: number): Promise<void>;
  getOrderPayment(orderId: string): Promise<{ state: 'charging' | 'paid'; sessionId: string } | undefined>;

  getIdempotency(scope: string, key: string): Promise<IdempotencyRow | undefined>;
  /** Inserts a new in-flight record; false when (scope, key) exists. */
  insertIdempotency(row: IdempotencyRow): Promise<boolean>;
  /** Takes over an in-flight record whose lease expired (the request that held it died). */
  takeOverIdempotency(scope: string, key: string, fingerprint: string, now: number, leaseUntil: number): Promise<boolean>;
  finishIdempotency(scope: string, key: string, patch: Pick<IdempotencyRow, 'state' | 'statusCode' | 'responseBody' | 'chargeKey'>): Promise<void>;
  deleteIdempotency(scope: string, key: string): Promise<void>;
  /** Writes a charge's final answer into every record linked to it that has none yet (pending, or in flight in a request that died). */
  resolvePendingIdempotency(chargeKey: string, statusCode: number, responseBody: string): Promise<void>;
  purgeIdempotency(now: number): Promise<number>;

  upsertProducts(rows: ProductRow[]): Promise<void>;
  listProducts(): Promise<ProductRow[]>;
  getProducts(ids: string[]): Promise<ProductRow[]>;
  insertOrder(row: OrderRow): Promise<void>;
  getOrder(orderId: string): Promise<OrderRow | undefined>;

  insertProcessorToken(row: ProcessorTokenRow): Promise<void>;
  getProcessorToken(token: string): Promise<ProcessorTokenRow | undefined>;
  /** Marks a token used; false when it was used already. */
  useProcessorToken(token: string, now: number): Promise<boolean>;
  insertProcessorCharge(row: ProcessorChargeRow): Promise<boolean>;
  /** The test processor's charge in one statement (PostgreSQL); undefined where the engine does it step by step. */
  ledgerChargeAtOnce(a: LedgerCharge): Promise<LedgerChargeResult | null | undefined>;
  getProcessorChargeByKey(idempotencyKey: string): Promise<ProcessorChargeRow | undefined>;
  listProcessorCharges(filter: { sessionId?: string; limit: number }): Promise<ProcessorChargeRow[]>;
}

export const FINAL_STATUSES: readonly SessionStatus[] = ['COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'];
/** The non-final statuses (the admin listing's default filter; migration 0003's partial index spells them the same way). */
export const LIVE_STATUSES: readonly SessionStatus[] = ['INITIATED', 'PROCESSING', 'INTERRUPTED', 'RESUMED'];
