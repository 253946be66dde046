/**
 * Durability of the real server process across kill -9 on the same DATA_DIR: every COMPLETED stays so, other states
 * and idempotency keys survive, the ledger is unchanged, and a charge in flight at the crash is reconciled after restart.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.js';
import {
  ADMIN_TOKEN,
  call,
  complete,
  createSession,
  getSession,
  ledger,
  pay,
  post,
  succeeded,
  tokenize,
  waitFor,
  waitForStatus,
  type Answer,
  type Session,
} from './helpers/api.js';
import { SHORT_PAYMENT_TIMEOUT_MS } from './helpers/server.js';

const FAST = { PAYMENT_TIMEOUT_MS: SHORT_PAYMENT_TIMEOUT_MS, RECONCILE_INTERVAL_MS: '200' };

const started: StartedServer[] = [];
async function start(opts: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(opts);
  started.push(s);
  return s;
}
afterAll(async () => {
  for (const s of started) await s.kill();
  for (const dir of new Set(started.map((s) => s.dataDir))) started.find((s) => s.dataDir === dir)!.cleanup();
});

async function allCharges(base: string) {
  const r = await call(base, 'GET', '/test-processor/charges?limit=10000', { auth: ADMIN_TOKEN });
  expect(r.status).toBe(200);
  return (r.body.charges as { chargeId: string; status: string; sessionId: string }[]).map((c) => `${c.chargeId}:${c.sessionId}:${c.status}`).sort();
}

describe('kill -9', () => {
  it('loses nothing: completed payments, other states, the ledger and idempotency keys survive; a charge in flight is reconciled', async () => {
    const first = await start({ env: FAST });
    const base = first.url;

    const paid: { s: Session; key: string; token: string; answer: Answer }[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await createSession(base);
      const token = await tokenize(base);
      const key = randomUUID();
      const answer = await complete(base, s, token, key);
      expect(answer.status, answer.text).toBe(200);
      paid.push({ s, key, token, answer });
    }
    const declined = await createSession(base);
    expect((await pay(base, declined, 'declined')).status).toBe(402);
    const cancelled = await createSession(base);
    expect((await post(base, cancelled, 'cancel')).status).toBe(200);

    // A slow charge that has reached the processor, whose answer the server is still waiting for.
    const midCharge = await createSession(base);
    const midToken = await tokenize(base, 'slow');
    const midKey = randomUUID();
    const slow = complete(base, midCharge, midToken, midKey).catch((e: Error) => e);
    await waitFor(
      () => ledger(base, midCharge.sessionId),
      (c) => c.length === 1,
      10_000,
      'charge at the processor',
    );
    expect((await getSession(base, midCharge)).status).toBe('PROCESSING');
    const ledgerBefore = await allCharges(base);

    await first.kill();
    expect(await slow).toBeInstanceOf(Error); // the connection died with the process

    const second = await start({ env: FAST, dataDir: first.dataDir });
    const b2 = second.url;
    for (const p of paid) {
      const now = await getSession(b2, p.s);
      expect(now.status).toBe('COMPLETED');
      expect(now.paymentId).toBe(p.answer.body.paymentId);
      // The idempotency key survived too: the retry replays the same answer.
      const replay = await complete(b2, p.s, p.token, p.key);
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(p.answer.body);
    }
    expect((await getSession(b2, declined)).status).toBe('INTERRUPTED');
    expect((await getSession(b2, cancelled)).status).toBe('CANCELLED');

    const done = await waitForStatus(b2, midCharge, 'COMPLETED', 15_000);
    const charges = await ledger(b2, midCharge.sessionId);
    expect(charges).toHaveLength(1);
    expect(succeeded(charges)).toHaveLength(1);
    expect(done.paymentId).toBe(charges[0].chargeId);
    // The shopper's retry of the request that died with the process gets the settled answer, not a second charge.
    const retry = await waitFor(
      () => complete(b2, midCharge, midToken, midKey),
      (r) => r.status !== 409,
      20_000,
      'retry answered',
    );
    expect(retry.status, retry.text).toBe(200);
    expect(retry.body).toMatchObject({ status: 'COMPLETED', paymentId: charges[0].chargeId });
    expect(await ledger(b2, midCharge.sessionId)).toHaveLength(1);
    // Restarting and reconciling charged nobody again.
    expect(await allCharges(b2)).toEqual(ledgerBefore);
  });
});
