/**
 * Reproduction: a processor call that lands after its deadline (+ grace) is settled as "never reached the processor",
 * the session moves on to a new attempt, and the shopper is charged twice.
 *
 *   tsx test/chaos/repro-late-charge.ts        (needs PostgreSQL at TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
 *
 * The chaos run found it on PostgreSQL with two instances under load (5 orders paid twice in 2000 checkouts, seed 42):
 * a charge's processor INSERT was slow, the reconciler looked the key up after deadline + 500 ms, found nothing,
 * settled the charge as failed ("nothing was charged"), the client resumed and paid again, then the first call landed.
 * Here a transaction holding an EXCLUSIVE lock on processor_charges stands in for the slow call (reads still work).
 * Exits 1 while the bug is there (the session ends with two succeeded processor charges), 0 once it is fixed.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startServer } from '../support/server.js';
import { pgReachable } from './chaos.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `repro_late_${Date.now().toString(36)}`;

async function main(): Promise<number> {
  if (!(await pgReachable(url))) {
    console.log(`no PostgreSQL at ${url}: skipped`);
    return 0;
  }
  const server = await startServer({ env: { DATABASE_URL: url, DATABASE_SCHEMA: schema, PAYMENT_TIMEOUT_MS: '1000', RECONCILE_INTERVAL_MS: '200' } });
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const r = await fetch(server.url + path, {
        method,
        headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, body: (await r.json()) as any };
    };
    const product = (await call('GET', '/api/store/products')).body.products[0].productId;
    const order = (await call('POST', '/api/store/orders', { items: [{ productId: product, quantity: 1 }] })).body;
    const s = (await call('POST', '/api/payments/session/create', { orderId: order.orderId })).body;
    const auth = { Authorization: `Bearer ${s.clientSecret}` };
    const token = async () =>
      (await call('POST', '/api/payments/test-processor/tokens', { card: { number: '4242424242424242', expMonth: 12, expYear: 2031, cvc: '123' } })).body.token;
    const session = async () => (await call('GET', `/api/payments/session/${s.sessionId}`, undefined, auth)).body;

    // 1. The processor is slow to record the charge (its INSERT waits on the lock).
    await db.query('BEGIN');
    await db.query(`LOCK TABLE ${schema}.processor_charges IN EXCLUSIVE MODE`);
    const first = await call(
      'POST',
      `/api/payments/session/${s.sessionId}/complete`,
      { paymentMethod: { token: await token() } },
      { ...auth, 'Idempotency-Key': randomUUID() },
    );
    console.log(`1. pay, attempt 1 (card 4242): ${first.status} ${JSON.stringify(first.body)}`);

    // 2. The reconciler gives up on it after deadline + grace: "nothing was charged".
    let st = await session();
    for (let i = 0; i < 50 && st.status === 'PROCESSING'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      st = await session();
    }
    console.log(`2. session: ${st.status}, lastError ${JSON.stringify(st.lastError)}`);

    // 3. The slow call lands at the processor.
    await db.query('COMMIT');
    await new Promise((r) => setTimeout(r, 300));

    // 4. The shopper, told nothing was charged, resumes and pays again.
    const resumed = await call('POST', `/api/payments/session/${s.sessionId}/resume`, {}, auth);
    console.log(`3. resume: ${resumed.status} ${JSON.stringify(resumed.body)}`);
    const second = await call(
      'POST',
      `/api/payments/session/${s.sessionId}/complete`,
      { paymentMethod: { token: await token() } },
      { ...auth, 'Idempotency-Key': randomUUID() },
    );
    console.log(`4. pay, attempt 2: ${second.status} ${JSON.stringify(second.body)}`);
    await new Promise((r) => setTimeout(r, 500));

    const ledger = (
      await call('GET', `/api/payments/test-processor/charges?sessionId=${s.sessionId}`, undefined, { Authorization: `Bearer ${server.adminToken}` })
    ).body.charges;
    const ok = ledger.filter((c: { status: string }) => c.status === 'succeeded');
    console.log(`5. processor ledger for the session: ${ledger.map((c: any) => `${c.idempotencyKey} ${c.status} ${c.chargeId}`).join(', ')}`);
    console.log(`   final session: ${(await session()).status}, paymentId ${(await session()).paymentId}`);
    if (ok.length > 1) {
      console.log(`BUG: one session, ${ok.length} succeeded charges (amount ${s.amount} ${s.currency} taken ${ok.length} times)`);
      return 1;
    }
    console.log('ok: at most one succeeded charge');
    return 0;
  } finally {
    await db.query('ROLLBACK').catch(() => undefined);
    await server.stop();
    server.cleanup();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
