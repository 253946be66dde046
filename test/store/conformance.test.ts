/**
 * The Store contract, one suite for every engine (TEST_ENGINES filters): whatever the domain relies on must hold the
 * same on SQLite and PostgreSQL. Concurrency cases run their calls at once (on PostgreSQL over separate pooled connections).
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { KyselyStore } from '../../server/store/kysely-store.js';
import { type Engine, ENGINES, requirePostgres, useTestStore } from './engines.js';
import { T0, charge, idem, session, sessionId } from './fixtures.js';

for (const engine of ENGINES) {
  describe(engine, () => {
    if (engine === 'postgres' && !requirePostgres()) return;
    conformance(engine);
  });
}

function conformance(engine: Engine) {
  let store!: KyselyStore;
  let schema!: string;
  useTestStore(engine, (s, name) => ((store = s), (schema = name)));

  describe('migrations and types', () => {
    it('should apply the versioned migrations once and be re-runnable', async () => {
      await store.migrate();
      await store.migrate();
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
      expect(applied.rows.map((r) => r.name)).toEqual([
        '0001_initial',
        '0002_sessions_status_index',
        '0003_sessions_live_expiry_index',
        '0004_drop_unread_session_indexes',
        '0005_session_write_indexes',
        '0006_webhooks',
        '0007_sessions_order_index',
        '0008_processor_charge_card',
      ]);
      expect(store.engine).toBe(engine);
    });

    if (engine === 'postgres') {
      it('should keep its tables and migration record in its own schema', async () => {
        const r = await sql<{
          table_name: string;
        }>`select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(store.db);
        expect(r.rows.map((x) => x.table_name)).toEqual(expect.arrayContaining(['kysely_migration', 'sessions', 'charges', 'processor_charges']));
        const sp = await sql<{ search_path: string }>`show search_path`.execute(store.db);
        expect(sp.rows[0]!.search_path).toBe(schema);
      });
    }

    it('should return bigint columns and counts as JS numbers', async () => {
      const big = session({ amount: Number.MAX_SAFE_INTEGER, createdAt: T0, finalAt: T0 + 1 });
      await store.sessions.insert(big);
      const got = (await store.sessions.get(big.id))!;
      expect(got.amount).toBe(Number.MAX_SAFE_INTEGER);
      expect(typeof got.createdAt).toBe('number');
      expect(got.createdAt).toBe(T0);
      expect(got.finalAt).toBe(T0 + 1);
      const { total } = await store.sessions.list({ statuses: null, limit: 10, after: null });
      expect(total).toBe(1);
      expect(typeof total).toBe('number');
    });

    it('should answer ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });

  describe('sessions', () => {
    it('should round-trip a session with its JSON fields and nulls', async () => {
      const s = session({
        userId: 'u_1',
        lastError: { code: 'card_declined', message: 'Declined.' },
        merchantMetadata: { cart: [1, 2], note: 'ünïcode' },
        metadata: { interruptions: [{ at: 'x', reason: 'network', attempt: 1 }], retries: [], lastActivity: 'y', cancelReason: 'user' },
      });
      await store.sessions.insert(s);
      expect(await store.sessions.get(s.id)).toEqual(s);
      const plain = session();
      await store.sessions.insert(plain);
      expect(await store.sessions.get(plain.id)).toEqual(plain);
    });

    it('should answer undefined for an unknown id and refuse a duplicate id', async () => {
      expect(await store.sessions.get(sessionId())).toBeUndefined();
      const s = session();
      await store.sessions.insert(s);
      await expect(store.sessions.insert(s)).rejects.toThrow();
    });

    it('should update only when the version matches, and bump it', async () => {
      const s = session();
      await store.sessions.insert(s);
      expect(await store.sessions.update(s.id, 1, { status: 'PROCESSING', chargedAttempt: 1, lastError: null, updatedAt: T0 + 5 })).toBe(true);
      const after = (await store.sessions.get(s.id))!;
      expect(after).toMatchObject({ status: 'PROCESSING', chargedAttempt: 1, updatedAt: T0 + 5, version: 2 });
      expect(await store.sessions.update(s.id, 1, { status: 'CANCELLED' })).toBe(false);
      expect((await store.sessions.get(s.id))!.status).toBe('PROCESSING');
      expect(await store.sessions.update(sessionId(), 1, { status: 'CANCELLED' })).toBe(false);
    });

    it('should apply each patch as given, whatever columns the patches before it set (queries are compiled once per shape)', async () => {
      const a = session();
      const b = session();
      await store.sessions.insert(a);
      await store.sessions.insert(b);
      expect(await store.sessions.update(a.id, 1, { status: 'INTERRUPTED', updatedAt: T0 + 1 })).toBe(true);
      // Same columns, other values and row; then other columns; an undefined value leaves its column alone.
      expect(await store.sessions.update(b.id, 1, { status: 'PROCESSING', updatedAt: T0 + 2 })).toBe(true);
      expect(await store.sessions.update(a.id, 2, { attempts: 2, paymentId: undefined, lastError: { code: 'card_declined', message: 'x' } })).toBe(true);
      expect(await store.sessions.get(a.id)).toMatchObject({
        status: 'INTERRUPTED',
        updatedAt: T0 + 1,
        attempts: 2,
        paymentId: null,
        lastError: { code: 'card_declined' },
        version: 3,
      });
      expect(await store.sessions.get(b.id)).toMatchObject({ status: 'PROCESSING', updatedAt: T0 + 2, attempts: 1, lastError: null, version: 2 });
    });

    it('should let exactly one of many concurrent updates on the same version win', async () => {
      const s = session();
      await store.sessions.insert(s);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.sessions.update(s.id, 1, { attempts: i + 2, metadata: { ...s.metadata, lastActivity: `w${i}` } })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const after = (await store.sessions.get(s.id))!;
      expect(after.version).toBe(2);
      const winner = results.indexOf(true);
      expect(after.attempts).toBe(winner + 2);
      expect(after.metadata.lastActivity).toBe(`w${winner}`);
    });

    it('should page newest first by keyset, ties on createdAt ordered by id, with the filtered total', async () => {
      const rows = Array.from({ length: 25 }, (_, i) => session({ createdAt: T0 + Math.floor(i / 3), status: i % 5 === 0 ? 'COMPLETED' : 'INITIATED' }));
      for (const r of rows) await store.sessions.insert(r);
      const expected = [...rows].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((r) => r.id);

      const seen: string[] = [];
      let after: { createdAt: number; id: string } | null = null;
      for (let page = 0; page < 10; page++) {
        const { rows: got, total } = await store.sessions.list({ statuses: null, limit: 10, after });
        expect(total).toBe(25);
        seen.push(...got.map((r) => r.id));
        if (got.length < 10) break;
        const last = got[got.length - 1]!;
        after = { createdAt: last.createdAt, id: last.id };
      }
      expect(seen).toEqual(expected);

      const completed = await store.sessions.list({ statuses: ['COMPLETED'], limit: 3, after: null });
      expect(completed.total).toBe(5);
      expect(completed.rows.map((r) => r.id)).toEqual(expected.filter((id) => rows.find((r) => r.id === id)!.status === 'COMPLETED').slice(0, 3));
      const both = await store.sessions.list({ statuses: ['COMPLETED', 'INITIATED'], limit: 100, after: null });
      expect(both.total).toBe(25);
      expect((await store.sessions.list({ statuses: ['EXPIRED'], limit: 10, after: null })).total).toBe(0);
    });

    it('should count sessions by status', async () => {
      for (const status of ['INITIATED', 'INITIATED', 'COMPLETED', 'EXPIRED'] as const) await store.sessions.insert(session({ status }));
      expect(await store.sessions.countByStatus()).toEqual({ INITIATED: 2, COMPLETED: 1, EXPIRED: 1 });
    });

    it('should list only non-final sessions past expiresAt as expiry candidates, up to the limit', async () => {
      const now = T0 + 1_000_000;
      const due = [session({ expiresAt: now - 1 }), session({ expiresAt: now - 2, status: 'PROCESSING' }), session({ expiresAt: now - 3, status: 'RESUMED' })];
      const notDue = [
        session({ expiresAt: now + 1 }),
        session({ expiresAt: now - 1, status: 'COMPLETED' }),
        session({ expiresAt: now - 1, status: 'EXPIRED' }),
      ];
      for (const r of [...due, ...notDue]) await store.sessions.insert(r);
      const got = await store.sessions.listExpiredCandidates(now, 10);
      expect(got.map((r) => r.id).sort()).toEqual(due.map((r) => r.id).sort());
      expect(await store.sessions.listExpiredCandidates(now, 2)).toHaveLength(2);
    });

    it('should purge final sessions past retention with their charges, and nothing else', async () => {
      const old = session({ status: 'COMPLETED', finalAt: T0 });
      const recent = session({ status: 'COMPLETED', finalAt: T0 + 10_000 });
      const live = session({ status: 'INITIATED' });
      for (const r of [old, recent, live]) await store.sessions.insert(r);
      await store.charges.insert(charge(old, { status: 'succeeded' }));
      await store.charges.insert(charge(recent, { status: 'succeeded' }));
      expect(await store.sessions.purgeFinal(T0 + 5_000)).toBe(1);
      expect(await store.sessions.get(old.id)).toBeUndefined();
      expect(await store.charges.list(old.id)).toEqual([]);
      expect(await store.sessions.get(recent.id)).toBeDefined();
      expect(await store.charges.list(recent.id)).toHaveLength(1);
      expect(await store.sessions.get(live.id)).toBeDefined();
      expect(await store.sessions.purgeFinal(T0 + 5_000)).toBe(0);
    });

    it('should list the live sessions and those final since a time, the newest outcomes first', async () => {
      const live = session({ status: 'INTERRUPTED', createdAt: T0 - 90_000 });
      const a = session({ status: 'COMPLETED', finalAt: T0 + 1 });
      const b = session({ status: 'EXPIRED', finalAt: T0 + 3 });
      const old = session({ status: 'CANCELLED', finalAt: T0 - 1, updatedAt: T0 + 5 });
      for (const r of [live, a, b, old]) await store.sessions.insert(r);
      expect((await store.sessions.listActiveSince(T0, 10)).map((r) => r.id)).toEqual([b.id, a.id, live.id]);
      expect((await store.sessions.listActiveSince(T0, 1)).map((r) => r.id)).toEqual([b.id, live.id]);
    });
  });

  describe('charges', () => {
    it("should insert, read and list a session's charges in start order", async () => {
      const s = session();
      await store.sessions.insert(s);
      const c2 = charge(s, { attempt: 2, startedAt: T0 + 10 });
      const c1 = charge(s, { attempt: 1, startedAt: T0 });
      await store.charges.insert(c2);
      await store.charges.insert(c1);
      expect(await store.charges.get(c1.chargeKey)).toEqual(c1);
      expect((await store.charges.list(s.id)).map((c) => c.chargeKey)).toEqual([c1.chargeKey, c2.chargeKey]);
      expect(await store.charges.get('nope:1')).toBeUndefined();
      await expect(store.charges.insert(c1)).rejects.toThrow();
    });

    it('should settle a charge only once', async () => {
      const s = session();
      const c = charge(s);
      await store.charges.insert(c);
      const win = { status: 'succeeded' as const, resolvedAt: T0 + 1, paymentId: 'ch_1', errorCode: null };
      expect(await store.charges.settle(c.chargeKey, win)).toBe(true);
      expect(await store.charges.settle(c.chargeKey, { status: 'failed', resolvedAt: T0 + 2, paymentId: null, errorCode: 'card_declined' })).toBe(false);
      expect(await store.charges.get(c.chargeKey)).toMatchObject({ status: 'succeeded', paymentId: 'ch_1', resolvedAt: T0 + 1 });
    });

    it('should let exactly one of many concurrent settlements win, from pending or unknown', async () => {
      for (const from of ['pending', 'unknown'] as const) {
        const c = charge(session(), { status: from });
        await store.charges.insert(c);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.charges.settle(c.chargeKey, { status: 'succeeded', resolvedAt: T0 + i, paymentId: `ch_${i}`, errorCode: null }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.charges.get(c.chargeKey))!.paymentId).toBe(`ch_${results.indexOf(true)}`);
      }
    });

    it('should mark only a pending charge unknown', async () => {
      const p = charge(session());
      const done = charge(session(), { status: 'failed', errorCode: 'card_declined', resolvedAt: T0 });
      await store.charges.insert(p);
      await store.charges.insert(done);
      await store.charges.markUnknown(p.chargeKey);
      await store.charges.markUnknown(done.chargeKey);
      expect((await store.charges.get(p.chargeKey))!.status).toBe('unknown');
      expect((await store.charges.get(done.chargeKey))!.status).toBe('failed');
    });

    it('should list unknown charges and pending ones past their deadline to reconcile, oldest first', async () => {
      const now = T0 + 60_000;
      const unknown = charge(session(), { status: 'unknown', startedAt: T0 + 2, deadlineAt: now + 99_999 });
      const overdue = charge(session(), { status: 'pending', startedAt: T0 + 1, deadlineAt: now - 1 });
      const running = charge(session(), { status: 'pending', startedAt: T0, deadlineAt: now + 1 });
      const settled = charge(session(), { status: 'succeeded', startedAt: T0, deadlineAt: now - 1, paymentId: 'ch', resolvedAt: T0 });
      for (const c of [unknown, overdue, running, settled]) await store.charges.insert(c);
      expect((await store.charges.listToReconcile(now, 10)).map((c) => c.chargeKey)).toEqual([overdue.chargeKey, unknown.chargeKey]);
      expect(await store.charges.listToReconcile(now, 1)).toHaveLength(1);
    });
  });

  describe('order payment lock', () => {
    it('should lock an order for one session, re-entrantly, and report the holder to others', async () => {
      expect(await store.charges.getOrderPayment('ord_1')).toBeUndefined();
      expect(await store.charges.lockOrder('ord_1', 'cs_a', T0)).toEqual({ ok: true });
      expect(await store.charges.lockOrder('ord_1', 'cs_a', T0)).toEqual({ ok: true });
      expect(await store.charges.lockOrder('ord_1', 'cs_b', T0)).toEqual({ ok: false, state: 'charging', sessionId: 'cs_a' });
      expect(await store.charges.getOrderPayment('ord_1')).toEqual({ state: 'charging', sessionId: 'cs_a' });
    });

    it("should release only the holder's charging lock", async () => {
      await store.charges.lockOrder('ord_1', 'cs_a', T0);
      await store.charges.releaseOrder('ord_1', 'cs_b');
      expect(await store.charges.getOrderPayment('ord_1')).toEqual({ state: 'charging', sessionId: 'cs_a' });
      await store.charges.releaseOrder('ord_1', 'cs_a');
      expect(await store.charges.getOrderPayment('ord_1')).toBeUndefined();
      expect(await store.charges.lockOrder('ord_1', 'cs_b', T0)).toEqual({ ok: true });
    });

    it('should keep a paid order paid: no lock for anyone, no release', async () => {
      await store.charges.lockOrder('ord_1', 'cs_a', T0);
      await store.charges.markOrderPaid('ord_1', 'cs_a', T0 + 1);
      await store.charges.releaseOrder('ord_1', 'cs_a');
      expect(await store.charges.getOrderPayment('ord_1')).toEqual({ state: 'paid', sessionId: 'cs_a' });
      expect(await store.charges.lockOrder('ord_1', 'cs_a', T0)).toEqual({ ok: false, state: 'paid', sessionId: 'cs_a' });
      expect(await store.charges.lockOrder('ord_1', 'cs_b', T0)).toEqual({ ok: false, state: 'paid', sessionId: 'cs_a' });
      // Money moved through another session (a late success): the order records that one as paid.
      await store.charges.markOrderPaid('ord_2', 'cs_c', T0);
      expect(await store.charges.getOrderPayment('ord_2')).toEqual({ state: 'paid', sessionId: 'cs_c' });
    });

    it('should give the lock to exactly one of many sessions racing for it', async () => {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.charges.lockOrder('ord_race', `cs_${i}`, T0)));
      const winners = results.map((r, i) => (r.ok ? i : -1)).filter((i) => i >= 0);
      expect(winners).toHaveLength(1);
      for (const r of results) if (!r.ok) expect(r).toEqual({ ok: false, state: 'charging', sessionId: `cs_${winners[0]}` });
    });
  });

  describe('idempotency records', () => {
    it('should insert a key once per scope', async () => {
      const r = idem();
      expect(await store.idempotency.insert(r)).toBe(true);
      expect(await store.idempotency.insert({ ...r, fingerprint: 'other' })).toBe(false);
      expect(await store.idempotency.insert({ ...r, scope: 'session:cs_y' })).toBe(true);
      expect(await store.idempotency.get(r.scope, r.key)).toEqual(r);
      expect(await store.idempotency.get(r.scope, 'missing')).toBeUndefined();
    });

    it('should let exactly one of many concurrent inserts of one key win', async () => {
      const r = idem();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.idempotency.insert({ ...r, fingerprint: `fp${i}` })));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('should take over only an in-flight record with the same fingerprint whose lease expired', async () => {
      const r = idem({ leaseUntil: T0 + 100 });
      await store.idempotency.insert(r);
      expect(await store.idempotency.takeOver(r.scope, r.key, r.fingerprint, T0 + 50, T0 + 1_000)).toBe(false); // lease still held
      expect(await store.idempotency.takeOver(r.scope, r.key, 'other', T0 + 200, T0 + 1_000)).toBe(false); // another body
      expect(await store.idempotency.takeOver(r.scope, r.key, r.fingerprint, T0 + 200, T0 + 1_000)).toBe(true);
      expect((await store.idempotency.get(r.scope, r.key))!.leaseUntil).toBe(T0 + 1_000);
      // Two takers after the new lease expired: one wins.
      const both = await Promise.all([0, 1].map(() => store.idempotency.takeOver(r.scope, r.key, r.fingerprint, T0 + 2_000, T0 + 3_000)));
      expect(both.filter(Boolean)).toHaveLength(1);
      await store.idempotency.finish(r.scope, r.key, { state: 'done', statusCode: 200, responseBody: '{}', chargeKey: null });
      expect(await store.idempotency.takeOver(r.scope, r.key, r.fingerprint, T0 + 9_999, T0 + 99_999)).toBe(false); // done: never
    });

    it('should finish only a record still in flight', async () => {
      const r = idem();
      await store.idempotency.insert(r);
      await store.idempotency.finish(r.scope, r.key, { state: 'in_flight', statusCode: null, responseBody: null, chargeKey: 'cs_x:1' });
      expect(await store.idempotency.get(r.scope, r.key)).toMatchObject({ state: 'in_flight', chargeKey: 'cs_x:1' });
      // The settlement wrote the final answer first; the request finishing late must not overwrite it.
      await store.idempotency.resolvePending('cs_x:1', 200, '{"status":"COMPLETED"}');
      await store.idempotency.finish(r.scope, r.key, { state: 'done', statusCode: 202, responseBody: '{"status":"PROCESSING"}', chargeKey: 'cs_x:1' });
      expect(await store.idempotency.get(r.scope, r.key)).toMatchObject({ state: 'done', statusCode: 200, responseBody: '{"status":"COMPLETED"}' });
    });

    it('should resolve every unanswered record linked to a charge, and leave answered ones', async () => {
      const pending = idem({ state: 'pending', chargeKey: 'cs_x:1' });
      const inFlight = idem({ state: 'in_flight', chargeKey: 'cs_x:1' });
      const done = idem({ state: 'done', chargeKey: 'cs_x:1', statusCode: 402, responseBody: 'old' });
      const other = idem({ state: 'pending', chargeKey: 'cs_x:2' });
      for (const r of [pending, inFlight, done, other]) await store.idempotency.insert(r);
      await store.idempotency.resolvePending('cs_x:1', 200, 'new');
      expect(await store.idempotency.get(pending.scope, pending.key)).toMatchObject({ state: 'done', statusCode: 200, responseBody: 'new' });
      expect(await store.idempotency.get(inFlight.scope, inFlight.key)).toMatchObject({ state: 'done', statusCode: 200, responseBody: 'new' });
      expect(await store.idempotency.get(done.scope, done.key)).toMatchObject({ statusCode: 402, responseBody: 'old' });
      expect(await store.idempotency.get(other.scope, other.key)).toMatchObject({ state: 'pending', statusCode: null });
    });

    it('should delete a record, and purge expired ones except those waiting on a charge', async () => {
      const gone = idem();
      await store.idempotency.insert(gone);
      await store.idempotency.delete(gone.scope, gone.key);
      expect(await store.idempotency.get(gone.scope, gone.key)).toBeUndefined();

      const expiredDone = idem({ state: 'done', expiresAt: T0 });
      const expiredInFlight = idem({ state: 'in_flight', expiresAt: T0 });
      const expiredPending = idem({ state: 'pending', expiresAt: T0 });
      const fresh = idem({ state: 'done', expiresAt: T0 + 10_000 });
      for (const r of [expiredDone, expiredInFlight, expiredPending, fresh]) await store.idempotency.insert(r);
      expect(await store.idempotency.purge(T0 + 1)).toBe(2);
      expect(await store.idempotency.get(expiredPending.scope, expiredPending.key)).toBeDefined();
      expect(await store.idempotency.get(fresh.scope, fresh.key)).toBeDefined();
      expect(await store.idempotency.get(expiredDone.scope, expiredDone.key)).toBeUndefined();
    });
  });

  describe('demo store', () => {
    it('should upsert products and list them by id', async () => {
      await store.shop.upsertProducts([
        { productId: 'p2', name: 'Two', price: 200, currency: 'EUR', image: null },
        { productId: 'p1', name: 'One', price: 100, currency: 'EUR', image: '/one.png' },
      ]);
      await store.shop.upsertProducts([{ productId: 'p2', name: 'Two v2', price: 250, currency: 'EUR', image: null }]);
      expect(await store.shop.listProducts()).toEqual([
        { productId: 'p1', name: 'One', price: 100, currency: 'EUR', image: '/one.png' },
        { productId: 'p2', name: 'Two v2', price: 250, currency: 'EUR', image: null },
      ]);
      expect((await store.shop.getProducts(['p2', 'nope'])).map((p) => p.productId)).toEqual(['p2']);
      expect(await store.shop.getProducts([])).toEqual([]);
    });

    it('should store and read an order with its items', async () => {
      const order = { orderId: 'ord_1', amount: 650, currency: 'EUR', items: [{ productId: 'p1', quantity: 2, name: 'One', price: 325 }], createdAt: T0 };
      await store.shop.insertOrder(order);
      expect(await store.shop.getOrder('ord_1')).toEqual(order);
      expect(await store.shop.getOrder('ord_2')).toBeUndefined();
    });
  });

  describe('test processor ledger', () => {
    it('should keep tokens and use each once, even under a race', async () => {
      const t = { token: 'tok_1', brand: 'visa', last4: '4242', behaviour: 'succeed', createdAt: T0, expiresAt: T0 + 900_000, usedAt: null };
      await store.ledger.insertToken(t);
      expect(await store.ledger.getToken('tok_1')).toEqual(t);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.ledger.useToken('tok_1', T0 + i)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.ledger.getToken('tok_1'))!.usedAt).toBe(T0 + results.indexOf(true));
      expect(await store.ledger.useToken('tok_1', T0 + 99)).toBe(false);
      expect(await store.ledger.getToken('tok_2')).toBeUndefined();
    });

    it('should record one charge per idempotency key, even under a race', async () => {
      const base = {
        sessionId: 'cs_a',
        idempotencyKey: 'cs_a:1',
        amount: 4200,
        currency: 'EUR',
        status: 'succeeded' as const,
        failureCode: null,
        createdAt: T0,
        brand: 'visa',
        last4: '4242',
      };
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.ledger.insertCharge({ ...base, chargeId: `ch_${i}` })));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.ledger.getChargeByKey('cs_a:1')).toEqual({ ...base, chargeId: `ch_${results.indexOf(true)}` });
      expect(await store.ledger.insertCharge({ ...base, chargeId: 'ch_late', status: 'failed', failureCode: 'card_declined' })).toBe(false);
      expect(await store.ledger.getChargeByKey('cs_a:2')).toBeUndefined();
    });

    it('should list the ledger newest first, by session, up to a limit', async () => {
      const mk = (i: number, sessionId: string) => ({
        chargeId: `ch_${i}`,
        sessionId,
        idempotencyKey: `${sessionId}:${i}`,
        amount: 100,
        currency: 'EUR',
        status: 'succeeded' as const,
        failureCode: null,
        createdAt: T0 + i,
      });
      for (const [i, s] of [
        [1, 'cs_a'],
        [2, 'cs_b'],
        [3, 'cs_a'],
      ] as const)
        await store.ledger.insertCharge(mk(i, s));
      expect((await store.ledger.listCharges({ limit: 10 })).map((c) => c.chargeId)).toEqual(['ch_3', 'ch_2', 'ch_1']);
      expect((await store.ledger.listCharges({ sessionId: 'cs_a', limit: 10 })).map((c) => c.chargeId)).toEqual(['ch_3', 'ch_1']);
      expect(await store.ledger.listCharges({ limit: 1 })).toHaveLength(1);
    });
  });

  describe('transactions and background jobs', () => {
    it('should commit all of a transaction or, when it throws, nothing', async () => {
      const s = session();
      await expect(
        store.transaction(async (tx) => {
          await tx.sessions.insert(s);
          await tx.charges.insert(charge(s));
          await tx.charges.lockOrder(s.orderId, s.id, T0);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.sessions.get(s.id)).toBeUndefined();
      expect(await store.charges.list(s.id)).toEqual([]);
      expect(await store.charges.getOrderPayment(s.orderId)).toBeUndefined();

      const got = await store.transaction(async (tx) => {
        await tx.sessions.insert(s);
        await tx.charges.insert(charge(s));
        // The ledger's transaction inside one joins it (the test processor's charge inside a caller's transaction).
        await tx.ledger.transaction((inner) =>
          inner.insertToken({ token: `tok_${s.id}`, brand: 'visa', last4: '4242', behaviour: 'succeed', createdAt: T0, expiresAt: T0 + 1, usedAt: null }),
        );
        return tx.sessions.get(s.id);
      });
      expect(got?.id).toBe(s.id);
      expect(await store.charges.list(s.id)).toHaveLength(1);
      expect(await store.ledger.getToken(`tok_${s.id}`)).toBeDefined();
    });

    it('should run an exclusive job and return its value', async () => {
      expect(await store.runExclusive('job', async () => 42)).toBe(42);
      await expect(store.runExclusive('job', async () => Promise.reject(new Error('job failed')))).rejects.toThrow('job failed');
      expect(await store.runExclusive('job', async () => 'again')).toBe('again'); // a failure released it
    });
  });
}
