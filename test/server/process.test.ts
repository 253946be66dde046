/**
 * The real server process (test/support/server.ts): the start-up line, SIGTERM drain and exit 0, the generated admin
 * token, and logs free of card numbers and client secrets. Durability across kill -9 is in crash.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.js';
import { ADMIN_TOKEN, CARDS, call, createSession, getSession, pay, post, waitForStatus } from './helpers/api.js';
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

describe('ADMIN_TOKEN unset', () => {
  it('generates one, prints it once, stores it in DATA_DIR and keeps it across restarts', async () => {
    const first = await start({ env: { ADMIN_TOKEN: undefined } });
    const printed = /admin token \(generated[^)]*\): (\S+)/.exec(first.output())?.[1];
    expect(printed, first.output()).toBeDefined();
    const list = (url: string, token: string) => call(url, 'GET', '/sessions/active', { auth: token });
    expect((await list(first.url, printed!)).status).toBe(200);
    expect((await list(first.url, ADMIN_TOKEN)).status).toBe(401);
    expect(await first.stop()).toBe(0);

    const second = await start({ env: { ADMIN_TOKEN: undefined }, dataDir: first.dataDir });
    expect(second.output()).not.toContain(printed!);
    expect((await list(second.url, printed!)).status).toBe(200);
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
    await call(base, 'POST', `/session/${s.sessionId}/complete`, {
      auth: s.clientSecret,
      key: randomUUID(),
      body: { paymentMethod: { token: CARDS.success } },
    });
    await call(base, 'POST', `/session/${s.sessionId}/complete`, {
      auth: s.clientSecret,
      key: randomUUID(),
      rawBody: `{"card":"${CARDS.success}"`,
      headers: { 'content-type': 'application/json' },
    });
    await call(base, 'POST', `/session/${s.sessionId}/complete`, { auth: s.clientSecret, key: `${s.clientSecret} x`, body: {} });
    // Reads by header and by query string (EventSource).
    await getSession(base, s);
    const ev = await openEvents(base, s.sessionId, { secret: s.clientSecret });
    await ev.next();
    expect((await pay(base, s, 'declined')).status).toBe(402);
    await post(base, s, 'resume');
    expect((await pay(base, s, 'success')).status).toBe(200);
    ev.close();
    await call(base, 'GET', `/session/${s.sessionId}/summary?client_secret=${encodeURIComponent(s.clientSecret)}`); // refused (404), still logged
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
