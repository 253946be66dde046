/**
 * The checkout's merged steps (`startCharge`, `settleSucceeded`), on every engine: on PostgreSQL each is one statement
 * (server/store/pg-hot-paths.ts), on SQLite a transaction of the single-row calls. Either way a step writes all its
 * rows or none, and many concurrent calls let exactly one win. The test processor's charge (one statement on
 * PostgreSQL too) answers as its step-by-step transaction does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestProcessor } from '../../server/processor/test-processor.js';
import type { KyselyStore } from '../../server/store/kysely-store.js';
import type { SessionRow } from '../../server/domain/model.js';
import { type ChargeStart, isSettled } from '../../server/store/types.js';
import { type Engine, ENGINES, requirePostgres, useTestStore } from './engines.js';
import { T0, charge, idem, session } from './fixtures.js';

for (const engine of ENGINES) {
  describe(engine, () => {
    if (engine === 'postgres' && !requirePostgres()) return;
    steps(engine);
  });
}

function startOf(s: SessionRow, key: string, over: Partial<ChargeStart> = {}): ChargeStart {
  return {
    sessionId: s.id,
    expectedVersion: s.version,
    orderId: s.orderId,
    patch: { status: 'PROCESSING', chargedAttempt: s.attempts, updatedAt: T0 + 5, metadata: { ...s.metadata, lastActivity: 'x' } },
    charge: charge(s, { startedAt: T0 + 5, deadlineAt: T0 + 30_005 }),
    idempotency: { scope: `session:${s.id}`, key },
    ...over,
  };
}

function steps(engine: Engine) {
  let store!: KyselyStore;
  useTestStore(engine, (s) => (store = s));

  async function withKey(s: SessionRow) {
    const k = idem({ scope: `session:${s.id}` });
    await store.idempotency.insert(k);
    return k.key;
  }

  describe('insertSessionUnlessPaid', () => {
    it('should insert a session unless its order is paid, whatever else holds the order', async () => {
      const a = session({ orderId: 'ord_u', userId: 'u1', merchantMetadata: { k: 'v' } });
      expect(await store.sessions.insertUnlessPaid(a)).toBe(true);
      expect(await store.sessions.get(a.id)).toEqual(a);
      await store.charges.lockOrder('ord_u', a.id, T0);
      const b = session({ orderId: 'ord_u' });
      expect(await store.sessions.insertUnlessPaid(b)).toBe(true);
      await expect(store.sessions.insertUnlessPaid(a)).rejects.toThrow(); // a duplicate id is refused, as by insertSession
      await store.charges.markOrderPaid('ord_u', a.id, T0 + 1);
      const c = session({ orderId: 'ord_u' });
      expect(await store.sessions.insertUnlessPaid(c)).toBe(false);
      expect(await store.sessions.get(c.id)).toBeUndefined();
    });
  });

  describe('startCharge', () => {
    it('should write the session, the order lock, the charge and the key link together', async () => {
      const s = session();
      await store.sessions.insert(s);
      const key = await withKey(s);
      expect(await store.charges.start(startOf(s, key))).toEqual({ ok: true });
      const after = (await store.sessions.get(s.id))!;
      expect(after).toMatchObject({ status: 'PROCESSING', chargedAttempt: 1, version: 2, updatedAt: T0 + 5, metadata: { lastActivity: 'x' } });
      expect(await store.charges.getOrderPayment(s.orderId)).toEqual({ state: 'charging', sessionId: s.id });
      expect(await store.charges.get(`${s.id}:1`)).toMatchObject({
        status: 'pending',
        attempt: 1,
        amount: 4200,
        startedAt: T0 + 5,
        deadlineAt: T0 + 30_005,
        resolvedAt: null,
      });
      expect(await store.idempotency.get(`session:${s.id}`, key)).toMatchObject({ state: 'in_flight', chargeKey: `${s.id}:1` });
    });

    it("should write nothing, and spend no token, when the processor's token is unknown, used or expired", async () => {
      const row = { brand: 'visa', last4: '4242', behaviour: 'succeed', createdAt: T0 };
      await store.ledger.insertToken({ ...row, token: 'tok_used', expiresAt: T0 + 60_000, usedAt: T0 + 1 });
      await store.ledger.insertToken({ ...row, token: 'tok_old', expiresAt: T0 + 5, usedAt: null });
      await store.ledger.insertToken({ ...row, token: 'tok_ok', expiresAt: T0 + 60_000, usedAt: null });
      const s = session();
      await store.sessions.insert(s);
      const key = await withKey(s);
      for (const token of ['tok_unknown', 'tok_used', 'tok_old']) {
        expect(await store.charges.start(startOf(s, key, { usableToken: { token, now: T0 + 5 } }))).toEqual({ ok: false, reason: 'token' });
      }
      expect(await store.sessions.get(s.id)).toMatchObject({ status: 'INITIATED', version: 1 });
      expect(await store.charges.getOrderPayment(s.orderId)).toBeUndefined();
      expect(await store.charges.get(`${s.id}:1`)).toBeUndefined();
      expect(await store.idempotency.get(`session:${s.id}`, key)).toMatchObject({ chargeKey: null });
      expect(await store.charges.start(startOf(s, key, { usableToken: { token: 'tok_ok', now: T0 + 5 } }))).toEqual({ ok: true });
      expect((await store.ledger.getToken('tok_ok'))!.usedAt).toBeNull(); // checked, not spent: the charge spends it
    });

    it('should write nothing when the session is not on the expected version', async () => {
      const s = session();
      await store.sessions.insert(s);
      const key = await withKey(s);
      expect(await store.charges.start(startOf(s, key, { expectedVersion: 7 }))).toEqual({ ok: false, reason: 'version' });
      expect(await store.sessions.get(s.id)).toMatchObject({ status: 'INITIATED', version: 1 });
      expect(await store.charges.getOrderPayment(s.orderId)).toBeUndefined();
      expect(await store.charges.get(`${s.id}:1`)).toBeUndefined();
      expect(await store.idempotency.get(`session:${s.id}`, key)).toMatchObject({ chargeKey: null });
    });

    it('should write nothing when another session holds the order, or it is paid, and name the holder', async () => {
      const a = session({ orderId: 'ord_shared' });
      const b = session({ orderId: 'ord_shared' });
      await store.sessions.insert(a);
      await store.sessions.insert(b);
      await store.charges.lockOrder('ord_shared', a.id, T0);
      const key = await withKey(b);
      expect(await store.charges.start(startOf(b, key))).toEqual({ ok: false, reason: 'order', state: 'charging', sessionId: a.id });
      await store.charges.markOrderPaid('ord_shared', a.id, T0 + 1);
      expect(await store.charges.start(startOf(b, key))).toEqual({ ok: false, reason: 'order', state: 'paid', sessionId: a.id });
      expect(await store.sessions.get(b.id)).toMatchObject({ status: 'INITIATED', version: 1 });
      expect(await store.charges.list(b.id)).toEqual([]);
    });

    it('should take the order lock again for its own holder (a later attempt of the same session)', async () => {
      const s = session({ status: 'RESUMED', attempts: 2, chargedAttempt: 1, version: 4 });
      await store.sessions.insert(s);
      await store.charges.lockOrder(s.orderId, s.id, T0);
      const key = await withKey(s);
      expect(await store.charges.start(startOf(s, key, { charge: charge(s, { attempt: 2 }) }))).toEqual({ ok: true });
      expect(await store.charges.get(`${s.id}:2`)).toMatchObject({ status: 'pending' });
    });

    it('should refuse a duplicate charge key as a whole: the session stays as it was', async () => {
      const s = session();
      await store.sessions.insert(s);
      await store.charges.insert(charge(s, { status: 'failed' }));
      const key = await withKey(s);
      await expect(store.charges.start(startOf(s, key))).rejects.toThrow();
      expect(await store.sessions.get(s.id)).toMatchObject({ status: 'INITIATED', version: 1 });
      expect(await store.charges.getOrderPayment(s.orderId)).toBeUndefined();
    });

    it("should make the processor's ledger charge in the start where the engine can (PostgreSQL), with the token used once", async () => {
      const processor = new TestProcessor({ ledger: store.ledger, slowAnswerMs: 10 });
      try {
        const s = session();
        await store.sessions.insert(s);
        const key = await withKey(s);
        const tok = await processor.tokenize({ number: '4000000000000002', expMonth: 12, expYear: 2040, cvc: '123' });
        const ledgerCharge = processor.inStore.request({ token: tok.token, amount: 4200, currency: 'EUR', idempotencyKey: `${s.id}:1`, sessionId: s.id });
        const r = await store.charges.start(startOf(s, key, { ledgerCharge }));
        const recorded = await store.ledger.getChargeByKey(`${s.id}:1`);
        if (engine === 'postgres') {
          expect(r).toEqual({
            ok: true,
            ledger: { chargeId: ledgerCharge.chargeId, status: 'failed', failureCode: 'card_declined', prior: false, behaviour: 'decline' },
          });
          expect(recorded).toMatchObject({ status: 'failed', failureCode: 'card_declined', brand: 'visa', last4: '0002' });
          expect((await store.ledger.getToken(tok.token))!.usedAt).not.toBeNull();
          expect(
            await processor.inStore.answer(
              { token: tok.token, amount: 4200, currency: 'EUR', idempotencyKey: `${s.id}:1`, sessionId: s.id },
              r.ok ? r.ledger! : null,
            ),
          ).toMatchObject({
            status: 'failed',
            code: 'card_declined',
          });
        } else {
          expect(r).toEqual({ ok: true }); // left to the caller: processor.charge
          expect(recorded).toBeUndefined();
        }
        // A refused start makes no ledger charge and spends no token.
        const b = session({ orderId: s.orderId });
        await store.sessions.insert(b);
        const tok2 = await processor.tokenize({ number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' });
        const refused = processor.inStore.request({ token: tok2.token, amount: 4200, currency: 'EUR', idempotencyKey: `${b.id}:1`, sessionId: b.id });
        expect(await store.charges.start(startOf(b, await withKey(b), { ledgerCharge: refused }))).toMatchObject({ ok: false, reason: 'order' });
        expect(await store.ledger.getChargeByKey(`${b.id}:1`)).toBeUndefined();
        expect((await store.ledger.getToken(tok2.token))!.usedAt).toBeNull();
      } finally {
        processor.close();
      }
    });

    it('should start exactly one charge when many sessions of one order race, and one when one session races itself', async () => {
      const sessions = Array.from({ length: 8 }, () => session({ orderId: 'ord_race' }));
      for (const s of sessions) await store.sessions.insert(s);
      const keys = await Promise.all(sessions.map(withKey));
      const results = await Promise.all(sessions.map((s, i) => store.charges.start(startOf(s, keys[i]!))));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const charged = (await Promise.all(sessions.map((s) => store.charges.list(s.id)))).flat();
      expect(charged).toHaveLength(1);
      expect(await store.charges.getOrderPayment('ord_race')).toEqual({ state: 'charging', sessionId: charged[0]!.sessionId });

      const one = session();
      await store.sessions.insert(one);
      const k = await withKey(one);
      const again = await Promise.all(Array.from({ length: 8 }, () => store.charges.start(startOf(one, k)).catch(() => ({ ok: false, reason: 'error' }))));
      expect(again.filter((r) => r.ok)).toHaveLength(1);
      expect(await store.charges.list(one.id)).toHaveLength(1);
      expect(await store.sessions.get(one.id)).toMatchObject({ status: 'PROCESSING', version: 2 });
    });
  });

  describe('settleSucceeded', () => {
    async function started() {
      const s = session();
      await store.sessions.insert(s);
      const key = await withKey(s);
      await store.charges.start(startOf(s, key));
      return { s: (await store.sessions.get(s.id))!, key };
    }
    const settlement = (s: SessionRow, over = {}) => ({
      chargeKey: `${s.id}:1`,
      resolvedAt: T0 + 9,
      paymentId: 'ch_1',
      sessionId: s.id,
      expectedVersion: s.version,
      orderId: s.orderId,
      answer: { statusCode: 200, responseBody: '{"status":"COMPLETED"}' },
      ...over,
    });

    it('should settle the charge, complete the session, mark the order paid and answer the linked keys together', async () => {
      const { s, key } = await started();
      // PostgreSQL's statement also says the order has no other live session (nobody to close); SQLite leaves that to the caller.
      expect(await store.charges.settleSucceeded(settlement(s))).toBe(engine === 'postgres' ? 'settled_alone' : 'settled');
      expect(await store.charges.get(`${s.id}:1`)).toMatchObject({ status: 'succeeded', resolvedAt: T0 + 9, paymentId: 'ch_1', errorCode: null });
      expect(await store.sessions.get(s.id)).toMatchObject({
        status: 'COMPLETED',
        paymentId: 'ch_1',
        finalAt: T0 + 9,
        updatedAt: T0 + 9,
        lastError: null,
        version: 3,
      });
      expect(await store.charges.getOrderPayment(s.orderId)).toEqual({ state: 'paid', sessionId: s.id });
      expect(await store.idempotency.get(`session:${s.id}`, key)).toMatchObject({ state: 'done', statusCode: 200, responseBody: '{"status":"COMPLETED"}' });
    });

    it("should say 'settled', not 'settled_alone', while another session of the order is live (a final one does not count)", async () => {
      const lone = await started();
      await store.sessions.insert(session({ orderId: lone.s.orderId, status: 'EXPIRED' }));
      expect(await store.charges.settleSucceeded(settlement(lone.s))).toBe(engine === 'postgres' ? 'settled_alone' : 'settled');
      const { s } = await started();
      await store.sessions.insert(session({ orderId: s.orderId }));
      expect(await store.charges.settleSucceeded(settlement(s))).toBe('settled');
    });

    it('should write nothing when the session moved on, and report a charge settled already', async () => {
      const { s, key } = await started();
      expect(await store.charges.settleSucceeded(settlement(s, { expectedVersion: 1 }))).toBe('version');
      expect(await store.charges.get(`${s.id}:1`)).toMatchObject({ status: 'pending' });
      expect(await store.charges.getOrderPayment(s.orderId)).toEqual({ state: 'charging', sessionId: s.id });
      expect(await store.idempotency.get(`session:${s.id}`, key)).toMatchObject({ state: 'in_flight' });
      await store.charges.settle(`${s.id}:1`, { status: 'failed', resolvedAt: T0, paymentId: null, errorCode: 'card_declined' });
      expect(await store.charges.settleSucceeded(settlement(s))).toBe('already');
      expect(await store.sessions.get(s.id)).toMatchObject({ status: 'PROCESSING', version: 2 });
    });

    it('should let exactly one of many concurrent settlements win', async () => {
      const { s } = await started();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.charges.settleSucceeded(settlement(s, { paymentId: `ch_${i}` }))));
      expect(results.filter(isSettled)).toHaveLength(1);
      const winner = results.findIndex(isSettled);
      expect(await store.sessions.get(s.id)).toMatchObject({ status: 'COMPLETED', paymentId: `ch_${winner}`, version: 3 });
      expect(await store.charges.get(`${s.id}:1`)).toMatchObject({ paymentId: `ch_${winner}` });
    });
  });

  if (engine === 'postgres') {
    it('should prepare a statement again when a migration changes a column it returns (another instance migrating)', async () => {
      const s = session();
      await store.sessions.insert(s);
      for (let i = 0; i < 6; i++) expect(await store.sessions.get(s.id)).toMatchObject({ id: s.id }); // prepared, generic plan
      await store.db.schema
        .alterTable('sessions')
        .alterColumn('payment_id', (c) => c.setDataType('varchar(200)'))
        .execute();
      try {
        expect(await store.sessions.get(s.id)).toMatchObject({ id: s.id, paymentId: null });
        const key = await withKey(s);
        expect(await store.charges.start(startOf(s, key))).toEqual({ ok: true });
      } finally {
        await store.db.schema
          .alterTable('sessions')
          .alterColumn('payment_id', (c) => c.setDataType('text'))
          .execute();
      }
      expect(await store.sessions.get(s.id)).toMatchObject({ status: 'PROCESSING' });
    });
  }

  describe('test processor charge', () => {
    const card = (number: string) => ({ number, expMonth: 12, expYear: 2040, cvc: '123' });
    const req = (token: string, key: string) => ({ token, amount: 4200, currency: 'EUR', idempotencyKey: key, sessionId: 'cs_p' });
    let processor: TestProcessor;
    beforeAll(() => {
      processor = new TestProcessor({ ledger: store.ledger, slowAnswerMs: 10 });
    });
    afterAll(() => processor?.close());

    it("should use the token once and record each card behaviour's outcome under its key", async () => {
      const ok = await processor.tokenize(card('4242424242424242'));
      const out = await processor.charge(req(ok.token, 'k_ok'));
      expect(out).toMatchObject({ status: 'succeeded' });
      expect((await store.ledger.getToken(ok.token))!.usedAt).not.toBeNull();
      const declined = await processor.tokenize(card('4000000000000002'));
      expect(await processor.charge(req(declined.token, 'k_dec'))).toMatchObject({ status: 'failed', code: 'card_declined', retryable: false });
      const funds = await processor.tokenize(card('4000000000009995'));
      expect(await processor.charge(req(funds.token, 'k_funds'))).toMatchObject({ status: 'failed', code: 'insufficient_funds' });
      const transient = await processor.tokenize(card('4000000000000119'));
      expect(await processor.charge(req(transient.token, 'k_tr'))).toMatchObject({ status: 'failed', code: 'processor_error', retryable: true });
      // The same key answers the first outcome again, spending nothing; a used or unknown token is a decline.
      expect(await processor.charge(req(declined.token, 'k_ok'))).toEqual(out);
      expect(await processor.charge(req(ok.token, 'k_again'))).toMatchObject({ status: 'failed', code: 'card_declined' });
      expect(await processor.charge(req('tok_unknown', 'k_unknown'))).toMatchObject({ status: 'failed', code: 'card_declined' });
      expect(await processor.lookup('k_ok')).toEqual(out);
      const lost = await processor.tokenize(card('4000000000000341'));
      await expect(processor.charge(req(lost.token, 'k_lost'))).rejects.toThrow();
      expect(await processor.lookup('k_lost')).toMatchObject({ status: 'succeeded' });
    });

    it('should record one charge per key when calls with the key race, each answering the one outcome', async () => {
      const t = await processor.tokenize(card('4242424242424242'));
      const outs = await Promise.all(Array.from({ length: 8 }, () => processor.charge(req(t.token, 'k_race'))));
      expect(new Set(outs.map((o) => JSON.stringify(o))).size).toBe(1);
      expect(outs[0]).toMatchObject({ status: 'succeeded' });
      expect(await store.ledger.listCharges({ sessionId: 'cs_p', limit: 10 })).toHaveLength(1);
    });
  });
}
