/**
 * The real server process (test/support/server.ts): start-up line and SIGTERM drain, durability across kill -9
 * (every COMPLETED stays so, the ledger is unchanged, a charge in flight is reconciled after restart),
 * and logs free of card numbers and client secrets.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.js';
import {
  ADMIN_TOKEN,
  CARDS,
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
import { openEvents } from './helpers/sse.js';

const FAST = { PAYMENT_TIMEOUT_MS: '1500', RECONCILE_INTERVAL_MS: '200' };

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

describe('start-up and SIGTERM', () => {
  it('prints `listening on http://HOST:PORT`, drains an in-flight payment on SIGTERM and exits 0', async () => {
    // The slow card's request lasts PAYMENT_TIMEOUT_MS: longer than the grace the server gives open event streams.
    const srv = await start({ env: { PAYMENT_TIMEOUT_MS: '3000' } });
    expect(srv.output()).toMatch(new RegExp(`^listening on ${srv.url.replace(/\./g, '\\.')}$`, 'm'));
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const s = await createSession(srv.url);
    const events = await openEvents(srv.url, s.sessionId, { secret: s.clientSecret }); // never ends by itself
    await events.next();
    const inFlight = pay(srv.url, s, 'slow');
    await waitForStatus(srv.url, s, 'PROCESSING');
    const code = await srv.stop();
    expect(code).toBe(0);
    // The request that was running got its answer before the process went away.
    const answer = await inFlight;
    expect(answer.status, answer.text).toBe(202);
    events.close();
    await expect(fetch(`${srv.url}/healthz`)).rejects.toThrow();
  });
});

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
    const slow = pay(base, midCharge, 'slow').catch((e: Error) => e);
    await waitFor(() => ledger(base, midCharge.sessionId), (c) => c.length === 1, 10_000, 'charge at the processor');
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
    // Restarting and reconciling charged nobody again.
    expect(await allCharges(b2)).toEqual(ledgerBefore);
  });
});

describe('logs', () => {
  it('never contain card numbers or client secrets, even at debug level', async () => {
    const srv = await start({ env: { ...FAST, LOG_LEVEL: 'debug' } });
    const base = srv.url;
    const s = await createSession(base);
    // Tokenise every test card, one of them as typed by a person.
    const numbers = Object.values(CARDS);
    for (const number of [...numbers, '4242 4242 4242 4242', '4242-4242-4242-4242', '4242424242424241']) {
      await call(base, 'POST', '/test-processor/tokens', { body: { card: { number, expMonth: 12, expYear: 2040, cvc: '123' } } });
    }
    // A card number sent where a token belongs, malformed bodies and bad keys carrying secrets.
    await call(base, 'POST', `/session/${s.sessionId}/complete`, { auth: s.clientSecret, key: randomUUID(), body: { paymentMethod: { token: CARDS.success } } });
    await call(base, 'POST', `/session/${s.sessionId}/complete`, { auth: s.clientSecret, key: randomUUID(), rawBody: `{"card":"${CARDS.success}"`, headers: { 'content-type': 'application/json' } });
    await call(base, 'POST', `/session/${s.sessionId}/complete`, { auth: s.clientSecret, key: `${s.clientSecret} x`, body: {} });
    // Reads by header and by query string (EventSource).
    await getSession(base, s);
    const ev = await openEvents(base, s.sessionId, { secret: s.clientSecret });
    await ev.next();
    expect((await pay(base, s, 'declined')).status).toBe(402);
    await post(base, s, 'resume');
    expect((await pay(base, s, 'success')).status).toBe(200);
    ev.close();
    await call(base, 'GET', `/session/${s.sessionId}/summary?client_secret=${encodeURIComponent(s.clientSecret)}`);
    expect(await srv.stop()).toBe(0);

    const out = srv.output();
    // It did log the requests (so the check below is about real log lines).
    expect(out.match(/"msg":"request"/g)?.length ?? 0).toBeGreaterThan(10);
    for (const number of numbers) expect(out).not.toContain(number);
    expect(out).not.toMatch(/4242[ -]?4242[ -]?4242[ -]?424[12]/);
    expect(out).not.toContain(s.clientSecret);
    expect(out).not.toContain(s.clientSecret.split('_secret_')[1]);
  });
});
