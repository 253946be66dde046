/**
 * A charge's start on PostgreSQL, one statement (one round trip, one commit): the session PROCESSING on its expected
 * version, the order's lock, the charge, the request's idempotency key, and, where the processor's ledger is in this
 * database (the test processor), the processor's charge itself. docs/PERFORMANCE.md has the counts before and after.
 *
 * `cur` locks the session row on its expected version (`FOR UPDATE`; under READ COMMITTED a row changed meanwhile is
 * re-checked on its newest version and drops out); the order lock is inserted only from `cur` (re-entrant for its own
 * holder, nothing returned for another holder or a paid order); the session's update only if the lock came back; the
 * charge, the key and the ledger's charge only after it. Holding the row lock, the session's update cannot miss, so
 * either every row is written or none. With `usableToken`, `usable` gates the lock: the processor's token check
 * (otherwise a read of its own before the start) is made in the same statement. The request claimed its key before
 * (idempotency middleware): the start links it to the charge.
 */
import type { ChargeStart, ChargeStartResult } from './types.js';
import { type MadeRow, type PgRunner, ledgerCtes, ledgerParams, toLedgerResult } from './pg-hot-paths.js';

/** `usable`: the token's row if it can pay ($16 the token, $17 now); the session is locked only then. */
const USABLE = `
with usable as (
  select 1 from processor_tokens where token = $16::text and used_at is null and expires_at > $17::bigint
), cur as (
  select id from sessions where id = $1::text and version = $2::int and exists (select 1 from usable) for update
), lock as (`;

const UNGATED = `
with cur as (
  select id from sessions where id = $1::text and version = $2::int for update
), lock as (`;

const REST = `
  insert into order_payments (order_id, session_id, state, updated_at)
  select $3::text, cur.id, 'charging', $4::bigint from cur
  on conflict (order_id) do update set updated_at = order_payments.updated_at
    where order_payments.state = 'charging' and order_payments.session_id = excluded.session_id
  returning 1
), s as (
  update sessions set status = $5::text, charged_attempt = $6::int, updated_at = $4::bigint, metadata = $7::text, version = $2::int + 1
  where id = $1::text and version = $2::int and exists (select 1 from lock)
  returning 1
), ch as (
  insert into charges (charge_key, session_id, attempt, status, amount, currency, started_at, deadline_at)
  select $8::text, $1::text, $9::int, 'pending', $10::bigint, $11::text, $12::bigint, $13::bigint from s
  returning 1
)`;

/** The key the request holds: linked to the charge. */
const LINK = `, idem as (
  update idempotency_keys set state = 'in_flight', status_code = null, response_body = null, charge_key = $8::text
  where scope = $14::text and key = $15::text and state = 'in_flight' and exists (select 1 from ch)
  returning 1
)`;

const TAIL = `
select (select count(*) from cur)::int as locked, (select count(*) from ch)::int as started,
  (select count(*) from idem)::int as linked,
  (select state from order_payments where order_id = $3::text) as held_state,
  (select session_id from order_payments where order_id = $3::text) as held_by`;

/** The ledger's charge as one column: the row of `made` (as ledgerChargePg reads it), or null. */
const MADE = `, (select row_to_json(m) from made m limit 1) as made`;

const USABLE_COUNT = `, (select count(*) from usable)::int as usable`;

/** The four texts (with or without the token's check, with or without the ledger's charge): each its own prepared statement. */
const texts = (head: string, tail: string, ledgerFrom: number) => ({
  withoutLedger: head + REST + LINK + TAIL + tail,
  withLedger: head + REST + LINK + `, ${ledgerCtes(ledgerFrom, 'exists (select 1 from ch)')}` + TAIL + tail + MADE,
});
const UNCHECKED = texts(UNGATED, '', 16);
const CHECKED = texts(USABLE, USABLE_COUNT, 18);

export async function startChargePg(run: PgRunner, a: ChargeStart): Promise<ChargeStartResult> {
  const c = a.charge;
  const { scope, key } = a.idempotency;
  const params: unknown[] = [
    a.sessionId,
    a.expectedVersion,
    a.orderId,
    a.patch.updatedAt,
    a.patch.status,
    a.patch.chargedAttempt,
    JSON.stringify(a.patch.metadata),
    c.chargeKey,
    c.attempt,
    c.amount,
    c.currency,
    c.startedAt,
    c.deadlineAt,
    scope,
    key,
  ];
  if (a.usableToken) params.push(a.usableToken.token, a.usableToken.now);
  if (a.ledgerCharge) params.push(...ledgerParams(a.ledgerCharge));
  const t = a.usableToken ? CHECKED : UNCHECKED;
  const r = await run(a.ledgerCharge ? t.withLedger : t.withoutLedger, params);
  type Row = { locked: number; started: number; usable?: number; held_state: 'charging' | 'paid' | null; held_by: string | null };
  const row = r.rows[0] as Row & { made?: MadeRow | null };
  if (row.started === 1) {
    if (!a.ledgerCharge) return { ok: true };
    return { ok: true, ledger: row.made ? toLedgerResult(row.made) : null };
  }
  if (row.usable === 0) return { ok: false, reason: 'token' };
  if (row.locked === 0) return { ok: false, reason: 'version' };
  return { ok: false, reason: 'order', state: row.held_state, sessionId: row.held_by };
}
