/**
 * The end-of-run checks, read straight from the database (the SQLite file opened read-only, or the PostgreSQL schema)
 * and from the test processor's ledger (`processor_charges`), against what the clients saw.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Cluster } from './cluster.js';
import type { Recorder } from './http.js';
import type { Ledger } from './session.js';

export interface Db {
  all(sql: string): Promise<any[]>;
  close(): Promise<void>;
}

export async function openDb(cluster: Cluster): Promise<Db> {
  if (cluster.opts.engine === 'sqlite') {
    const db = new Database(cluster.sqlitePath, { readonly: true, fileMustExist: true });
    return { all: async (sql) => db.prepare(sql).all(), close: async () => void db.close() };
  }
  const client = new pg.Client({ connectionString: cluster.opts.pgUrl });
  client.on('error', () => undefined); // a restart of the database surfaces as a failed query, not a crash
  await client.connect();
  await client.query(`SET search_path TO ${cluster.opts.pgSchema}`);
  return { all: async (sql) => (await client.query(sql)).rows, close: async () => void (await client.end()) };
}

/** Unresolved work left in the database: sessions PROCESSING and charges pending/unknown. */
export async function unresolved(db: Db): Promise<{ processing: number; charges: number }> {
  const [a] = await db.all(`SELECT CAST(count(*) AS INTEGER) AS n FROM sessions WHERE status = 'PROCESSING'`);
  const [b] = await db.all(`SELECT CAST(count(*) AS INTEGER) AS n FROM charges WHERE status IN ('pending', 'unknown')`);
  return { processing: Number(a.n), charges: Number(b.n) };
}

export async function notYetExpired(db: Db, ids: Iterable<string>): Promise<number> {
  const want = new Set(ids);
  if (!want.size) return 0;
  const rows = await db.all(`SELECT id, status FROM sessions`);
  return rows.filter((r) => want.has(r.id) && r.status !== 'EXPIRED').length;
}

export interface Figures {
  sessions: number;
  completed: number;
  processorCharges: number;
  succeededCharges: number;
}

export async function verifyCluster(db: Db, ledger: Ledger, rec: Recorder, where: string): Promise<Figures> {
  const v = (kind: string, detail: string) => rec.violation(kind, `${where}: ${detail}`);
  const sessions = await db.all(`SELECT id, order_id, status, payment_id FROM sessions`);
  const pcharges = await db.all(`SELECT charge_id, session_id, idempotency_key, status FROM processor_charges`);
  const charges = await db.all(`SELECT charge_key, session_id, status, payment_id FROM charges`);
  const orderPayments = await db.all(`SELECT order_id, session_id, state FROM order_payments`);

  const byId = new Map(sessions.map((s) => [s.id as string, s]));
  const succeeded = pcharges.filter((c) => c.status === 'succeeded');
  const succeededBySession = new Map<string, any[]>();
  for (const c of succeeded) {
    if (!byId.has(c.session_id)) v('charge_without_session', `processor charge ${c.charge_id} for missing session ${c.session_id}`);
    succeededBySession.set(c.session_id, [...(succeededBySession.get(c.session_id) ?? []), c]);
  }

  // Every order paid at most once, across all its sessions.
  const paidByOrder = new Map<string, string[]>();
  for (const [sid, list] of succeededBySession) {
    const s = byId.get(sid);
    if (!s) continue;
    paidByOrder.set(s.order_id, [...(paidByOrder.get(s.order_id) ?? []), ...list.map((c) => c.charge_id)]);
  }
  for (const [orderId, ids] of paidByOrder) if (ids.length > 1) v('order_paid_twice', `${orderId}: succeeded charges ${ids.join(', ')}`);

  // COMPLETED ⇔ exactly one succeeded charge, and it is the session's paymentId.
  for (const s of sessions) {
    const list = succeededBySession.get(s.id) ?? [];
    if (s.status === 'COMPLETED') {
      if (list.length !== 1) v('completed_without_one_charge', `${s.id} COMPLETED with ${list.length} succeeded charges`);
      else if (list[0].charge_id !== s.payment_id) v('payment_id_mismatch', `${s.id} paymentId ${s.payment_id} ≠ charge ${list[0].charge_id}`);
    } else if (list.length) {
      v('charge_without_completed_session', `${s.id} is ${s.status} with ${list.length} succeeded charge(s) ${list.map((c) => c.charge_id).join(', ')}`);
    }
    if (s.status === 'PROCESSING') v('stuck_processing', `${s.id} still PROCESSING`);
  }
  for (const c of charges) if (c.status === 'pending' || c.status === 'unknown') v('unresolved_charge', `${c.charge_key} still ${c.status}`);

  // Our charges table agrees with the processor's ledger.
  const pByKey = new Map(pcharges.map((c) => [c.idempotency_key as string, c]));
  for (const c of charges) {
    const p = pByKey.get(c.charge_key);
    if (c.status === 'succeeded' && (!p || p.status !== 'succeeded' || p.charge_id !== c.payment_id))
      v('ledger_mismatch', `charge ${c.charge_key} succeeded, processor: ${p ? `${p.status} ${p.charge_id}` : 'none'}`);
    if (c.status === 'failed' && p?.status === 'succeeded') v('ledger_mismatch', `charge ${c.charge_key} failed, processor: succeeded ${p.charge_id}`);
  }
  const ourKeys = new Set(charges.map((c) => c.charge_key as string));
  for (const p of pcharges)
    if (!ourKeys.has(p.idempotency_key)) v('ledger_mismatch', `processor charge ${p.charge_id} (${p.idempotency_key}) unknown to the server`);

  // The order's paid flag agrees with its sessions.
  const completedOrders = new Set(sessions.filter((s) => s.status === 'COMPLETED').map((s) => s.order_id as string));
  for (const op of orderPayments) {
    if (op.state === 'paid' && !completedOrders.has(op.order_id)) v('order_flag_mismatch', `${op.order_id} flagged paid without a COMPLETED session`);
    if (op.state === 'charging') {
      const s = byId.get(op.session_id);
      if (s && s.status !== 'PROCESSING') v('order_lock_leaked', `${op.order_id} still locked 'charging' by ${op.session_id} (${s.status})`);
    }
  }
  const flaggedPaid = new Set(orderPayments.filter((o) => o.state === 'paid').map((o) => o.order_id as string));
  for (const o of completedOrders) if (!flaggedPaid.has(o)) v('order_flag_mismatch', `${o} has a COMPLETED session but is not flagged paid`);

  // Against what the clients saw.
  for (const [sid] of ledger.created) if (!byId.has(sid)) v('session_lost', `${sid} was created (201) and is gone`);
  for (const [sid, paymentId] of ledger.sawCompleted) {
    const s = byId.get(sid);
    if (!s || s.status !== 'COMPLETED' || s.payment_id !== paymentId)
      v('completed_answer_not_kept', `${sid}: client saw 200 ${paymentId}, database ${s?.status} ${s?.payment_id}`);
  }
  for (const c of ledger.conflicts) v('completed_answer_changed', c);
  for (const [sid] of ledger.leftToExpire) {
    const s = byId.get(sid);
    if (s && s.status !== 'EXPIRED') v('not_expired', `${sid} left to expire is ${s.status}`);
  }

  return {
    sessions: sessions.length,
    completed: sessions.filter((s) => s.status === 'COMPLETED').length,
    processorCharges: pcharges.length,
    succeededCharges: succeeded.length,
  };
}
