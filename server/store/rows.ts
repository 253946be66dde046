/**
 * What the repositories share: the row mapping between the model (domain/model.ts) and the tables (schema.ts), and the
 * slots and shape names of compiled queries (compiled-queries.ts).
 */
import type { ChargeRow, IdempotencyRow, ProductRow, SessionRow, SessionStatus } from '../domain/model.js';
import type { ProcessorChargeRow } from '../processor/ledger.js';
import type { SlotOf } from './compiled-queries.js';
import type { ChargesTable, IdempotencyTable, ProcessorChargesTable, SessionsTable } from './schema.js';

/** Thrown inside a transaction to roll it back while answering `result`. */
export class Refused extends Error {
  constructor(readonly result: unknown) {
    super('refused');
  }
}

/** The row with a slot in place of each value; undefined values are left out, as Kysely leaves them out of a query. */
export function slotsFor<T extends object>(row: T, slot: SlotOf<T>): T {
  return Object.fromEntries(definedKeys(row).map((k) => [k, slot(k as keyof T & string)])) as T;
}

/** A query shape's name for a row of values: the columns it carries are part of the shape. */
export function shapeFor(name: string, row: object): string {
  return `${name}:${definedKeys(row).join(',')}`;
}

export function definedKeys(row: object): string[] {
  return Object.keys(row).filter((k) => (row as Record<string, unknown>)[k] !== undefined);
}

// ---- row mapping (JSON columns are text; bigint columns come back as numbers via each engine's type parsing)

export function sessionToDb(r: SessionRow): SessionsTable {
  return {
    id: r.id,
    order_id: r.orderId,
    user_id: r.userId,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    attempts: r.attempts,
    max_attempts: r.maxAttempts,
    charged_attempt: r.chargedAttempt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    expires_at: r.expiresAt,
    final_at: r.finalAt,
    payment_id: r.paymentId,
    last_error: r.lastError ? JSON.stringify(r.lastError) : null,
    metadata: JSON.stringify(r.metadata),
    merchant_metadata: r.merchantMetadata ? JSON.stringify(r.merchantMetadata) : null,
    secret_hash: r.secretHash,
    version: r.version,
  };
}

const SESSION_COLUMNS: Record<string, keyof SessionsTable> = {
  orderId: 'order_id',
  userId: 'user_id',
  status: 'status',
  amount: 'amount',
  currency: 'currency',
  attempts: 'attempts',
  maxAttempts: 'max_attempts',
  chargedAttempt: 'charged_attempt',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  expiresAt: 'expires_at',
  finalAt: 'final_at',
  paymentId: 'payment_id',
  secretHash: 'secret_hash',
};

export function sessionPatchToDb(patch: Partial<SessionRow>): Partial<SessionsTable> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'lastError') out.last_error = v ? JSON.stringify(v) : null;
    else if (k === 'metadata') out.metadata = JSON.stringify(v);
    else if (k === 'merchantMetadata') out.merchant_metadata = v ? JSON.stringify(v) : null;
    else if (SESSION_COLUMNS[k]) out[SESSION_COLUMNS[k]] = v;
  }
  return out as Partial<SessionsTable>;
}

export function num(v: number | null): number | null {
  return v === null ? null : Number(v);
}

export function sessionFromDb(r: SessionsTable): SessionRow {
  return {
    id: r.id,
    orderId: r.order_id,
    userId: r.user_id,
    status: r.status as SessionStatus,
    amount: Number(r.amount),
    currency: r.currency,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    chargedAttempt: Number(r.charged_attempt),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    expiresAt: Number(r.expires_at),
    finalAt: num(r.final_at),
    paymentId: r.payment_id,
    lastError: r.last_error ? JSON.parse(r.last_error) : null,
    metadata: JSON.parse(r.metadata),
    merchantMetadata: r.merchant_metadata ? JSON.parse(r.merchant_metadata) : null,
    secretHash: r.secret_hash,
    version: Number(r.version),
  };
}

export function chargeToDb(r: ChargeRow): ChargesTable {
  return {
    charge_key: r.chargeKey,
    session_id: r.sessionId,
    attempt: r.attempt,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    started_at: r.startedAt,
    deadline_at: r.deadlineAt,
    resolved_at: r.resolvedAt,
    payment_id: r.paymentId,
    error_code: r.errorCode,
  };
}

export function chargeFromDb(r: ChargesTable): ChargeRow {
  return {
    chargeKey: r.charge_key,
    sessionId: r.session_id,
    attempt: Number(r.attempt),
    status: r.status as ChargeRow['status'],
    amount: Number(r.amount),
    currency: r.currency,
    startedAt: Number(r.started_at),
    deadlineAt: Number(r.deadline_at),
    resolvedAt: num(r.resolved_at),
    paymentId: r.payment_id,
    errorCode: r.error_code,
  };
}

export function idempotencyFromDb(r: IdempotencyTable): IdempotencyRow {
  return {
    scope: r.scope,
    key: r.key,
    fingerprint: r.fingerprint,
    state: r.state as IdempotencyRow['state'],
    statusCode: num(r.status_code),
    responseBody: r.response_body,
    chargeKey: r.charge_key,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    leaseUntil: Number(r.lease_until),
  };
}

export function productFromDb(r: { product_id: string; name: string; price: number; currency: string; image: string | null }): ProductRow {
  return { productId: r.product_id, name: r.name, price: Number(r.price), currency: r.currency, image: r.image };
}

export function processorChargeFromDb(r: ProcessorChargesTable): ProcessorChargeRow {
  return {
    chargeId: r.charge_id,
    sessionId: r.session_id,
    idempotencyKey: r.idempotency_key,
    amount: Number(r.amount),
    currency: r.currency,
    status: r.status as ProcessorChargeRow['status'],
    failureCode: r.failure_code,
    createdAt: Number(r.created_at),
    brand: r.brand ?? null,
    last4: r.last4 ?? null,
  };
}
