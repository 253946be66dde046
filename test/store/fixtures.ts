/** Row builders for the store suites: valid rows with unique ids, overridable field by field. */
import { randomBytes } from 'node:crypto';
import type { KyselyStore } from '../../server/store/kysely-store.js';
import type { ChargeRow, IdempotencyRow, SessionRow } from '../../server/domain/model.js';

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function sessionId(): string {
  const b = randomBytes(24);
  return 'cs_' + Array.from(b, (x) => ALNUM[x % ALNUM.length]).join('');
}

export const T0 = 1_764_000_000_000; // a ms timestamp past 2^32: int8 must come back as a number

export function session(over: Partial<SessionRow> = {}): SessionRow {
  const id = over.id ?? sessionId();
  const createdAt = over.createdAt ?? T0;
  return {
    id,
    orderId: `ord_${id.slice(3, 15)}`,
    userId: null,
    status: 'INITIATED',
    amount: 4200,
    currency: 'EUR',
    attempts: 1,
    maxAttempts: 3,
    chargedAttempt: 0,
    createdAt,
    updatedAt: createdAt,
    expiresAt: createdAt + 900_000,
    finalAt: null,
    paymentId: null,
    lastError: null,
    metadata: { interruptions: [], retries: [], lastActivity: new Date(createdAt).toISOString() },
    merchantMetadata: null,
    secretHash: 'h'.repeat(64),
    version: 1,
    ...over,
  };
}

export function charge(sessionRow: Pick<SessionRow, 'id'>, over: Partial<ChargeRow> = {}): ChargeRow {
  const attempt = over.attempt ?? 1;
  return {
    chargeKey: `${sessionRow.id}:${attempt}`,
    sessionId: sessionRow.id,
    attempt,
    status: 'pending',
    amount: 4200,
    currency: 'EUR',
    startedAt: T0,
    deadlineAt: T0 + 30_000,
    resolvedAt: null,
    paymentId: null,
    errorCode: null,
    ...over,
  };
}

export function idem(over: Partial<IdempotencyRow> = {}): IdempotencyRow {
  return {
    scope: 'session:cs_x',
    key: `k_${randomBytes(6).toString('hex')}`,
    fingerprint: 'fp1',
    state: 'in_flight',
    statusCode: null,
    responseBody: null,
    chargeKey: null,
    createdAt: T0,
    expiresAt: T0 + 86_400_000,
    leaseUntil: T0 + 60_000,
    ...over,
  };
}

const TABLES = [
  'sessions',
  'charges',
  'order_payments',
  'idempotency_keys',
  'store_products',
  'store_orders',
  'processor_tokens',
  'processor_charges',
] as const;

/** Empties every table: each test starts from a blank database. */
export async function clearTables(store: KyselyStore): Promise<void> {
  for (const t of TABLES) await store.db.deleteFrom(t).execute();
}
