/**
 * The checkout's multi-row writes on PostgreSQL (the charge start is in pg-charge-start.ts), each one statement (one
 * round trip, one implicit transaction) instead of BEGIN, four statements and COMMIT. Data-modifying CTEs all run on
 * one snapshot, so each write is gated on the RETURNING of the one before it, and the chain starts by locking the
 * session row on its expected version (`FOR UPDATE`; under READ COMMITTED a row changed meanwhile is re-checked on its
 * newest version and drops out). Holding that lock, the session's own update cannot miss, so either every row of the
 * step is written or none is; a unique violation (a duplicate charge key) aborts the whole statement. A settlement
 * locks its charge row before the session, as the general settlement does. docs/PERFORMANCE.md has the counts before
 * and after.
 * The repositories run these only outside a transaction; inside one (and on SQLite) it runs the same steps one by one.
 * They run as named prepared statements (`preparedStatements`): parsed and planned once per pooled connection.
 */
import { createHash } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';
import type { IdempotencyRow } from '../domain/model.js';
import type { LedgerChargeRequest, LedgerChargeResult } from '../processor/ledger.js';
import type { SettlementResult, SuccessSettlement } from './types.js';

/** Runs one statement with its parameters. */
export type PgRunner = (text: string, params: readonly unknown[]) => Promise<{ rows: unknown[]; command?: string; rowCount?: number | null }>;

/** Through Kysely (unnamed: parsed and planned on every call). */
export function kyselyRunner(db: Kysely<unknown>): PgRunner {
  return (text, params) => db.executeQuery(CompiledQuery.raw(text, [...params]));
}

/** SQLSTATE of "cached plan must not change result type": a migration changed a column a prepared statement returns. */
const PLAN_RESULT_CHANGED = '0A000';

/**
 * Named prepared statements on the pool. The name is a hash of the text, so another text never reuses one. Should a
 * migration (another instance's, at a rolling deploy) change a result type under a prepared statement, PostgreSQL
 * refuses to run it; the statement is then prepared again under a new name, once.
 */
export function preparedStatements(pool: pg.Pool): PgRunner {
  const names = new Map<string, string>();
  const generations = new Map<string, number>();
  const nameOf = (text: string) => {
    let base = names.get(text);
    if (!base) names.set(text, (base = `pc_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`));
    return `${base}_${generations.get(text) ?? 0}`;
  };
  return async function prepared(text, params) {
    try {
      return await pool.query({ name: nameOf(text), text, values: params as unknown[] });
    } catch (err) {
      if ((err as { code?: string }).code !== PLAN_RESULT_CHANGED) throw err;
      generations.set(text, (generations.get(text) ?? 0) + 1);
      return pool.query({ name: nameOf(text), text, values: params as unknown[] });
    }
  };
}

/** The sessions table's columns and their types (migrations 0001 on), for the one insert written out here. */
const SESSION_COLUMNS: [string, 'text' | 'bigint' | 'int'][] = [
  ['id', 'text'],
  ['order_id', 'text'],
  ['user_id', 'text'],
  ['status', 'text'],
  ['amount', 'bigint'],
  ['currency', 'text'],
  ['attempts', 'int'],
  ['max_attempts', 'int'],
  ['charged_attempt', 'int'],
  ['created_at', 'bigint'],
  ['updated_at', 'bigint'],
  ['expires_at', 'bigint'],
  ['final_at', 'bigint'],
  ['payment_id', 'text'],
  ['last_error', 'text'],
  ['metadata', 'text'],
  ['merchant_metadata', 'text'],
  ['secret_hash', 'text'],
  ['version', 'int'],
];

const INSERT_SESSION_UNLESS_PAID = `
insert into sessions (${SESSION_COLUMNS.map(([c]) => c).join(', ')})
select ${SESSION_COLUMNS.map(([, t], i) => `$${i + 1}::${t}`).join(', ')}
where not exists (select 1 from order_payments where order_id = $2::text and state = 'paid')`;

/** A new session, unless its order is paid already (then false, nothing written): the create's check and insert at once. */
export async function insertSessionUnlessPaidPg(run: PgRunner, row: Record<string, unknown>): Promise<boolean> {
  const r = await run(
    INSERT_SESSION_UNLESS_PAID,
    SESSION_COLUMNS.map(([c]) => row[c]),
  );
  return r.rowCount === 1;
}

// An idempotency key's claim commits without waiting for its WAL flush (`synchronous_commit` off for this one
// transaction). Nothing outside the database acts on a claim: a duplicate that sees it is told 409 and retries, and the
// request holding it writes its answer (or its charge's start) in a later commit that does wait. PostgreSQL flushes
// the WAL in order, so that commit makes the claim durable too. A crash before it loses only a claim whose request
// had not answered and had not reached a processor; its retry claims the key again.
const CLAIM_IDEMPOTENCY = `
with async_commit as (select set_config('synchronous_commit', 'off', true))
insert into idempotency_keys (scope, key, fingerprint, state, status_code, response_body, charge_key, created_at, expires_at, lease_until)
select $1::text, $2::text, $3::text, $4::text, $5::int, $6::text, $7::text, $8::bigint, $9::bigint, $10::bigint from async_commit
on conflict (scope, key) do nothing`;

/** Claims a key (true) unless a record exists already (false): outside a transaction, without waiting for the flush. */
export async function claimIdempotencyPg(run: PgRunner, r: IdempotencyRow): Promise<boolean> {
  const params = [r.scope, r.key, r.fingerprint, r.state, r.statusCode, r.responseBody, r.chargeKey, r.createdAt, r.expiresAt, r.leaseUntil];
  return (await run(CLAIM_IDEMPOTENCY, params)).rowCount === 1;
}

// The charge row is locked first, then the session: the order the general settlement (charges, order_payments,
// sessions) takes them in, so the two never wait on each other in a cycle.
const SETTLE_SUCCEEDED = `
with cc as (
  select charge_key from charges where charge_key = $5::text and status in ('pending', 'unknown') for update
), cur as (
  select id from sessions where id = $1::text and version = $2::int and exists (select 1 from cc) for update
), c as (
  update charges set status = 'succeeded', resolved_at = $3::bigint, payment_id = $4::text, error_code = null
  where charge_key = $5::text and status in ('pending', 'unknown') and exists (select 1 from cur)
  returning 1
), s as (
  update sessions set status = 'COMPLETED', payment_id = $4::text, last_error = null, final_at = $3::bigint, updated_at = $3::bigint, version = $2::int + 1
  where id = $1::text and version = $2::int and exists (select 1 from c)
  returning 1
), o as (
  insert into order_payments (order_id, session_id, state, updated_at)
  select $6::text, $1::text, 'paid', $3::bigint from s
  on conflict (order_id) do update set session_id = excluded.session_id, state = 'paid', updated_at = excluded.updated_at
  returning 1
), i as (
  update idempotency_keys set state = 'done', status_code = $7::int, response_body = $8::text
  where charge_key = $5::text and state <> 'done' and exists (select 1 from s)
  returning 1
)
select (select count(*) from cc)::int as unresolved, (select count(*) from cur)::int as locked, (select count(*) from s)::int as settled,
  (select count(*) from o)::int as paid, (select count(*) from i)::int as answered,
  exists (select 1 from sessions where order_id = $6::text and id <> $1::text
    and status not in ('COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED')) as others`;

export async function settleSucceededPg(run: PgRunner, a: SuccessSettlement): Promise<SettlementResult> {
  const params = [a.sessionId, a.expectedVersion, a.resolvedAt, a.paymentId, a.chargeKey, a.orderId, a.answer.statusCode, a.answer.responseBody];
  const r = await run(SETTLE_SUCCEEDED, params);
  const row = r.rows[0] as { unresolved: number; locked: number; settled: number; others: boolean };
  if (row.settled === 1) return row.others ? 'settled' : 'settled_alone';
  return row.unresolved === 0 ? 'already' : 'version';
}

// The test processor's charge (its own ledger, in this database), as processor/ledger.ts `chargeAtOnce` describes it:
// one statement instead of BEGIN + 4 + COMMIT.
/**
 * The ledger charge's CTEs, its parameters from `$first` on (ledgerParams' order); `gate` is a condition every write of
 * it waits on (the charge start's own insert, when it runs in that statement). `made` is the key's row: prior or new.
 */
export function ledgerCtes(first: number, gate = 'true'): string {
  const p = (i: number) => `$${first + i - 1}`;
  return `prior as (
  select charge_id, status, failure_code from processor_charges where idempotency_key = ${p(1)}::text
), tok as (
  update processor_tokens set used_at = ${p(2)}::bigint
  where token = ${p(3)}::text and used_at is null and expires_at > ${p(2)}::bigint and not exists (select 1 from prior) and ${gate}
  returning behaviour, brand, last4
), pick as (
  select t.behaviour, t.brand, t.last4, coalesce(m.status, ${p(11)}::text) as status, case when m.status is null then ${p(12)}::text else m.code end as code
  from (select coalesce((select behaviour from tok), '') as behaviour, (select brand from tok) as brand, (select last4 from tok) as last4) t
  left join unnest(${p(8)}::text[], ${p(9)}::text[], ${p(10)}::text[]) as m(behaviour, status, code) on m.behaviour = t.behaviour
  where not exists (select 1 from prior) and ${gate}
), ins as (
  insert into processor_charges (charge_id, session_id, idempotency_key, amount, currency, status, failure_code, created_at, brand, last4)
  select ${p(4)}::text, ${p(5)}::text, ${p(1)}::text, ${p(6)}::bigint, ${p(7)}::text, pick.status, pick.code, ${p(2)}::bigint, pick.brand, pick.last4
  from pick
  on conflict (idempotency_key) do nothing
  returning charge_id, status, failure_code
), made as (
  select p.charge_id, p.status, p.failure_code, true as prior, null::text as behaviour from prior p
  union all
  select i.charge_id, i.status, i.failure_code, false, nullif((select behaviour from pick), '') from ins i
)`;
}

const LEDGER_CHARGE = `with ${ledgerCtes(1)}
select * from made`;

/** The ledger charge's twelve parameters. */
export function ledgerParams(a: LedgerChargeRequest): unknown[] {
  const map = Object.entries(a.outcomes);
  // The no-token case is the empty behaviour: a token's behaviour is never empty.
  const behaviours = ['', ...map.map(([b]) => b)];
  const statuses = [a.noToken[0], ...map.map(([, o]) => o[0])];
  const codes = [a.noToken[1], ...map.map(([, o]) => o[1])];
  return [a.idempotencyKey, a.now, a.token, a.chargeId, a.sessionId, a.amount, a.currency, behaviours, statuses, codes, a.fallback[0], a.fallback[1]];
}

export type MadeRow = { charge_id: string; status: string; failure_code: string | null; prior: boolean; behaviour: string | null };

export const toLedgerResult = (row: MadeRow): LedgerChargeResult => ({
  chargeId: row.charge_id,
  status: row.status,
  failureCode: row.failure_code,
  prior: row.prior,
  behaviour: row.behaviour,
});

/** Null when a concurrent call with the same key recorded first (not visible to this statement): read the ledger. */
export async function ledgerChargePg(run: PgRunner, a: LedgerChargeRequest): Promise<LedgerChargeResult | null> {
  const r = await run(LEDGER_CHARGE, ledgerParams(a));
  const row = r.rows[0] as MadeRow | undefined;
  return row ? toLedgerResult(row) : null;
}
