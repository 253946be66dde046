/**
 * Expiry and final states (docs/API.md "States"): a session past expiresAt becomes EXPIRED when read and through the
 * sweeper, and no route changes a final session (409 invalid_transition).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, complete, createSession, expectError, getSession, ledger, pay, post, tokenize, waitFor, type Session } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';

const TTL_MS = 600;

let short: InProcessServer; // short TTL, sweeper every 100 ms
let unswept: InProcessServer; // short TTL, no sweeper: only reading can expire a session
let normal: InProcessServer;

beforeAll(async () => {
  [short, unswept, normal] = await Promise.all([
    startInProcess({ SESSION_TTL_MS: String(TTL_MS), SWEEP_INTERVAL_MS: '100' }),
    startInProcess({ SESSION_TTL_MS: String(TTL_MS), SWEEP_INTERVAL_MS: '0' }),
    startInProcess(),
  ]);
});
afterAll(() => Promise.all([short?.stop(), unswept?.stop(), normal?.stop()]));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every mutation a holder can send; each must be refused with 409 invalid_transition and change nothing. */
async function expectAllMutationsRefused(base: string, s: Session) {
  const before = await getSession(base, s);
  const chargesBefore = await ledger(base, s.sessionId);
  expectError(await post(base, s, 'resume'), 409, 'invalid_transition');
  expectError(await post(base, s, 'interrupt', { reason: 'network' }), 409, 'invalid_transition');
  expectError(await post(base, s, 'cancel', { reason: 'user' }), 409, 'invalid_transition');
  expectError(await complete(base, s, await tokenize(base), randomUUID()), 409, 'invalid_transition');
  const after = await getSession(base, s);
  expect(after.status).toBe(before.status);
  expect(after.attempts).toBe(before.attempts);
  expect(after.metadata).toEqual(before.metadata);
  expect(await ledger(base, s.sessionId)).toEqual(chargesBefore);
}

describe('expiry', () => {
  it('a session past expiresAt is EXPIRED when read, kept, and refuses every mutation', async () => {
    const base = unswept.url;
    const s = await createSession(base);
    expect(Date.parse(s.expiresAt) - Date.parse(s.createdAt)).toBe(TTL_MS);
    await sleep(TTL_MS + 100);
    // The admin listing shows it EXPIRED at once (it expires what is overdue before listing), without waiting for a sweep...
    const listed = await call(base, 'GET', '/sessions/active?status=all', { auth: ADMIN_TOKEN });
    expect(listed.body.sessions.find((x: any) => x.sessionId === s.sessionId).status).toBe('EXPIRED');
    // ...and so does reading it.
    const r = await getSession(base, s);
    expect(r.status).toBe('EXPIRED');
    await expectAllMutationsRefused(base, s);
    const summary = await call(base, 'GET', `/session/${s.sessionId}/summary`, { auth: s.clientSecret });
    expect(summary.body.status).toBe('EXPIRED');
  });

  it.each(['cancel', 'interrupt', 'complete'] as const)('an overdue session nobody has read refuses %s as EXPIRED', async (action) => {
    const base = unswept.url;
    const s = await createSession(base);
    const token = await tokenize(base);
    await sleep(TTL_MS + 100);
    const r = action === 'complete' ? await complete(base, s, token) : await post(base, s, action, { reason: 'user' });
    expectError(r, 409, 'invalid_transition');
    expect((await getSession(base, s)).status).toBe('EXPIRED');
    expect(await ledger(base, s.sessionId)).toEqual([]);
  });

  it('the sweeper expires sessions nobody reads', async () => {
    const base = short.url;
    const s = await createSession(base);
    const interrupted = await createSession(base);
    await post(base, interrupted, 'interrupt', { reason: 'unload' });
    const listed = await waitFor(
      () => call(base, 'GET', '/sessions/active?status=EXPIRED&limit=500', { auth: ADMIN_TOKEN }),
      (r) => [s, interrupted].every((x) => r.body.sessions.some((y: any) => y.sessionId === x.sessionId)),
      10_000,
      'sweeper expiry',
    );
    expect(listed.status).toBe(200);
    const active = await call(base, 'GET', '/sessions/active?limit=500', { auth: ADMIN_TOKEN });
    expect(active.body.sessions.some((y: any) => y.sessionId === s.sessionId)).toBe(false);
  });

  it('a session whose charge is unresolved at expiresAt is not expired: the money moved, so it completes', async () => {
    const slowServer = await startInProcess({ SESSION_TTL_MS: '1000', SWEEP_INTERVAL_MS: '100', PAYMENT_TIMEOUT_MS: '1500', RECONCILE_INTERVAL_MS: '200' });
    try {
      const base = slowServer.url;
      const token = await tokenize(base, 'slow');
      const s = await createSession(base);
      const r = await complete(base, s, token);
      expect(r.status, r.text).toBe(202);
      expect(Date.now()).toBeGreaterThan(Date.parse(s.expiresAt));
      const seen = new Set<string>();
      const done = await waitFor(
        async () => {
          const now = await getSession(base, s);
          seen.add(now.status);
          return now;
        },
        (now) => now.status !== 'PROCESSING',
        10_000,
        'settlement',
      );
      expect(done.status).toBe('COMPLETED');
      expect([...seen]).not.toContain('EXPIRED');
      const charges = await ledger(base, s.sessionId);
      expect(charges.map((c) => c.status)).toEqual(['succeeded']);
      expect(done.paymentId).toBe(charges[0].chargeId);
    } finally {
      await slowServer.stop();
    }
  });

  it('a completed session stays COMPLETED past its expiresAt, and sweeps keep its idempotency key', async () => {
    const base = short.url;
    const s = await createSession(base);
    const token = await tokenize(base);
    const key = randomUUID();
    const paid = await complete(base, s, token, key);
    expect(paid.status).toBe(200);
    await sleep(TTL_MS + 200); // several sweeps
    expect((await getSession(base, s)).status).toBe('COMPLETED');
    const replay = await complete(base, s, token, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(paid.body);
  });
});

describe('final sessions refuse every mutation with 409 invalid_transition', () => {
  it('COMPLETED', async () => {
    const s = await createSession(normal.url);
    expect((await pay(normal.url, s)).status).toBe(200);
    await expectAllMutationsRefused(normal.url, s);
  });

  it('CANCELLED', async () => {
    const s = await createSession(normal.url);
    expect((await post(normal.url, s, 'cancel')).status).toBe(200);
    await expectAllMutationsRefused(normal.url, s);
  });

  it('FAILED_MAX_RETRIES', async () => {
    const base = normal.url;
    const s = await createSession(base);
    for (let i = 0; i < 3; i++) {
      expect((await pay(base, s, 'declined')).status).toBe(402);
      if (i < 2) expect((await post(base, s, 'resume')).status).toBe(200);
    }
    expect((await getSession(base, s)).status).toBe('FAILED_MAX_RETRIES');
    await expectAllMutationsRefused(base, s);
  });
});
