/** Rate limits: 429 `rate_limited` with Retry-After, per client address for creation, per session for its mutations. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MERCHANT_KEY, call, createSession, expectError, post, tokenize } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';

let srv: InProcessServer;
let base: string;

beforeAll(async () => {
  srv = await startInProcess({ RATE_LIMIT_CREATE_PER_MIN: '3', RATE_LIMIT_MUTATIONS_PER_MIN: '3' });
  base = srv.url;
});
afterAll(() => srv?.stop());

const create = (n: number) => call(base, 'POST', '/session/create', { auth: MERCHANT_KEY, body: { orderId: `rl-${n}`, amount: 100, currency: 'EUR' } });

describe('rate limits', () => {
  it('the 4th create in a minute is 429 rate_limited with Retry-After', async () => {
    for (let i = 1; i <= 3; i++) expect((await create(i)).status).toBe(201);
    const r = await create(4);
    expectError(r, 429, 'rate_limited');
    const retryAfter = Number(r.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A browser create from the same address is limited too.
    expectError(await call(base, 'POST', '/session/create', { body: { orderId: 'ord_x' } }), 429, 'rate_limited');
    // Other routes are not.
    expect(typeof (await tokenize(base))).toBe('string');
  });

  it('session mutations are limited per session', async () => {
    // This server's create limit is spent: make sessions on another one with the same mutation limit.
    const other = await startInProcess({ RATE_LIMIT_MUTATIONS_PER_MIN: '3' });
    try {
      const a = await createSession(other.url);
      const b = await createSession(other.url);
      expect((await post(other.url, a, 'interrupt', { reason: 'user' })).status).toBe(200);
      expect((await post(other.url, a, 'resume')).status).toBe(200);
      expect((await post(other.url, a, 'interrupt', { reason: 'user' })).status).toBe(200);
      const limited = await post(other.url, a, 'resume');
      expectError(limited, 429, 'rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await post(other.url, b, 'interrupt', { reason: 'user' })).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});
