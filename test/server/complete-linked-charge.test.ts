/**
 * /complete waiting on an earlier charge of its session: its key follows that charge, and the charge's settlement writes
 * the final answer under every key that follows it. Here the charge settles elsewhere (another instance, or the
 * reconciler) after this request last looked at it and before its key follows it: the key must still end with the
 * charge's final answer, never PROCESSING for good. Real SQLite and real PostgreSQL, the domain's own services over them.
 */
import { describe, expect, it } from 'vitest';
import { Charges } from '../../server/domain/charges.js';
import { LocalSessionEvents } from '../../server/domain/events.js';
import { type HeldKey, claim, finish } from '../../server/domain/idempotency.js';
import type { ChargeRow, SessionRow } from '../../server/domain/model.js';
import { ClientSecrets } from '../../server/domain/secrets.js';
import { Sessions } from '../../server/domain/sessions.js';
import { createMetrics } from '../../server/metrics.js';
import { type ChargeOutcome, type PaymentProcessor, ProcessorConnectionError } from '../../server/processor/types.js';
import type { KyselyStore } from '../../server/store/kysely-store.js';
import { ENGINES, pgQuery, requirePostgres, silentLog, useTestStore } from '../store/engines.js';
import { T0, charge, session } from '../store/fixtures.js';

const PAYMENT_TIMEOUT_MS = 30_000;
/** Well past the earlier charge's deadline and every grace after it: one failed look-up and resolve gives up. */
const NOW = T0 + 5 * 60_000;
const opts = { ttlMs: 86_400_000, leaseMs: 60_000, now: () => NOW };

for (const engine of ENGINES) {
  describe(engine, () => {
    if (engine === 'postgres' && !requirePostgres()) return;
    let store!: KyselyStore;
    let schema = '';
    useTestStore(engine, (s, name) => ((store = s), (schema = name)));

    /**
     * A session resumed after its first charge ended unknown, and a /complete that waits on that charge. The processor's
     * look-up fails for this request; while it is asked, `settleElsewhere` settles the charge (another instance that
     * learnt the outcome). `alongside` runs beside the request.
     */
    async function completeWaitingOn(
      settleElsewhere: (c: ChargeRow, s: SessionRow, elsewhere: Charges) => Promise<void>,
      alongside?: (completing: Promise<unknown>) => Promise<void>,
    ) {
      const s: SessionRow = session({ status: 'RESUMED', attempts: 2, chargedAttempt: 1, expiresAt: NOW + 900_000 });
      const earlier = charge(s, { status: 'unknown', startedAt: T0, deadlineAt: T0 + PAYMENT_TIMEOUT_MS });
      await store.sessions.insert(s);
      await store.charges.insert(earlier);
      await store.charges.lockOrder(s.orderId, s.id, T0);

      const processor = {
        name: 'hooked',
        sharesStore: false,
        async lookup(): Promise<ChargeOutcome | null> {
          await settleElsewhere(earlier, s, elsewhere);
          throw new ProcessorConnectionError();
        },
      } as unknown as PaymentProcessor;
      const deps = { store, processor, events: new LocalSessionEvents(), metrics: createMetrics(store), log: silentLog, now: () => NOW };
      const elsewhere = new Charges({ ...deps, paymentTimeoutMs: PAYMENT_TIMEOUT_MS });
      const charges = new Charges({ ...deps, paymentTimeoutMs: PAYMENT_TIMEOUT_MS });
      const sessions = new Sessions({ ...deps, charges, maxAttempts: 3, sessionTtlMs: 900_000, secrets: new ClientSecrets('k', 'admin') });

      // As the route does: claim the key, complete, store what complete says is still to store.
      const scope = `session:${s.id}`;
      const claimed = await claim(store, scope, 'k1', 'fp', opts);
      const held = (claimed as { held: HeldKey }).held;
      const completing = sessions.complete(s.id, 'tok_unused', held);
      await alongside?.(completing);
      const { answer, toStore } = await completing;
      if (toStore) await finish(store, held, toStore.status, async () => JSON.stringify(toStore.body));
      const retry = await claim(store, scope, 'k1', 'fp', opts);
      return { answer, retry, session: (await store.sessions.get(s.id))! };
    }

    const completeWhileSettledElsewhere = (outcome: ChargeOutcome) =>
      completeWaitingOn(async (c, _s, elsewhere) => void (await elsewhere.settle(c.chargeKey, outcome)));

    it('answers with the charge that succeeded meanwhile, and a retry of the key replays it', async () => {
      const { answer, retry, session: after } = await completeWhileSettledElsewhere({ status: 'succeeded', chargeId: 'ch_elsewhere' });
      expect(after.status).toBe('COMPLETED');
      // Not PROCESSING for good: the key replays the charge's final answer, and the request gave that answer too.
      expect(retry).toMatchObject({ replay: { status: 200 } });
      expect(answer).toMatchObject({ status: 200, body: { status: 'COMPLETED', paymentId: 'ch_elsewhere' } });
      expect(retry).toEqual({ replay: { status: 200, body: JSON.stringify(answer.body) } });
    });

    it('answers with the decline of the charge that failed meanwhile, and a retry of the key replays it', async () => {
      const declined: ChargeOutcome = { status: 'failed', code: 'card_declined', retryable: false, chargeId: 'ch_declined' };
      const { answer, retry, session: after } = await completeWhileSettledElsewhere(declined);
      expect(after).toMatchObject({ status: 'RESUMED', lastError: { code: 'card_declined' } });
      expect(retry).toMatchObject({ replay: { status: 402 } });
      expect(answer).toMatchObject({ status: 402, body: { error: { code: 'card_declined' } } });
      expect(retry).toEqual({ replay: { status: 402, body: JSON.stringify(answer.body) } });
    });

    // PostgreSQL runs transactions side by side: a settlement may have answered the keys it saw and not yet committed
    // when the request links its key and reads the charge again. That read must wait for the commit (the charge row's
    // lock). SQLite runs one transaction at a time: the link waits for the settlement's commit.
    if (engine === 'postgres') {
      it('waits for a settlement still committing when it reads the charge again', async () => {
        let commit!: () => void;
        const gate = new Promise<void>((r) => (commit = r));
        let committing!: Promise<void>;
        const settleSlowly = (c: ChargeRow, s: SessionRow) =>
          new Promise<void>((opened) => {
            committing = store.transaction(async (tx) => {
              await tx.charges.settle(c.chargeKey, { status: 'succeeded', resolvedAt: NOW, paymentId: 'ch_slow', errorCode: null });
              await tx.sessions.update(s.id, s.version, { status: 'COMPLETED', paymentId: 'ch_slow', lastError: null, finalAt: NOW, updatedAt: NOW });
              await tx.idempotency.resolvePending(c.chargeKey, 200, '{}'); // the keys linked so far: none
              opened();
              await gate;
            });
          });
        // The settlement commits once the request waits on a lock, or once it has answered without waiting.
        const commitWhenWaitedOn = async (completing: Promise<unknown>) => {
          const stop = { done: false };
          await Promise.race([completing.catch(() => {}), lockWaitIn(schema, stop)]);
          stop.done = true;
          commit();
          await committing;
        };
        const { answer, retry } = await completeWaitingOn(settleSlowly, commitWhenWaitedOn);
        expect(retry).toMatchObject({ replay: { status: 200 } });
        expect(answer).toMatchObject({ status: 200, body: { status: 'COMPLETED', paymentId: 'ch_slow' } });
      });
    }
  });
}

/** Resolves once a connection of this schema's store waits on a lock (or when told to stop). */
async function lockWaitIn(schema: string, stop: { done: boolean }): Promise<void> {
  const app = `payment-checkout/${schema}`.slice(0, 63);
  while (!stop.done) {
    const r = await pgQuery("select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'", [app]);
    if ((r.rows[0] as { n: number }).n > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
