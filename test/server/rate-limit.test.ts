/**
 * Rate limits: 429 `rate_limited` with Retry-After, per client address for browser creation, per session for its
 * mutations, a budget of its own for the merchant key; the client address behind trusted proxies only (TRUST_PROXY);
 * and on PostgreSQL one limit across every instance sharing the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, newSchemaName, PG_URL, pgRestartGuard, requirePostgres } from '../store/engines.js';
import { MERCHANT_KEY, call, createSession, expectError, post, tokenize } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';

let srv: InProcessServer;
let base: string;

beforeAll(async () => {
  srv = await startInProcess({ RATE_LIMIT_CREATE_PER_MIN: '3', RATE_LIMIT_MUTATIONS_PER_MIN: '3', RATE_LIMIT_MERCHANT_PER_MIN: '20' });
  base = srv.url;
});
afterAll(() => srv?.stop());

const merchantCreate = (url: string, n: number) =>
  call(url, 'POST', '/session/create', { auth: MERCHANT_KEY, body: { orderId: `rl-${n}`, amount: 100, currency: 'EUR' } });
const browserCreate = (url: string, headers: Record<string, string> = {}) =>
  call(url, 'POST', '/session/create', { body: { orderId: 'ord_unknown' }, headers });
const limited = (status: number) => status === 429;

describe('rate limits', () => {
  it('the 4th browser create in a minute is 429 rate_limited with Retry-After; merchant creates are not starved by it', async () => {
    for (let i = 1; i <= 3; i++) expect(limited((await browserCreate(base)).status)).toBe(false); // 404 order_not_found: counted
    const r = await browserCreate(base);
    expectError(r, 429, 'rate_limited');
    const retryAfter = Number(r.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(r.headers.get('ratelimit-limit')).toBe('3');
    // The merchant backend, from the same address, has its own budget.
    for (let i = 1; i <= 5; i++) expect((await merchantCreate(base, i)).status).toBe(201);
    // Other routes are not limited by it.
    expect(typeof (await tokenize(base))).toBe('string');
  });

  it('the merchant budget is bounded too', async () => {
    const s = await startInProcess({ RATE_LIMIT_MERCHANT_PER_MIN: '2' });
    try {
      expect((await merchantCreate(s.url, 1)).status).toBe(201);
      expect((await merchantCreate(s.url, 2)).status).toBe(201);
      expectError(await merchantCreate(s.url, 3), 429, 'rate_limited');
      expect(limited((await browserCreate(s.url)).status)).toBe(false);
    } finally {
      await s.stop();
    }
  });

  it('session mutations are limited per session', async () => {
    const other = await startInProcess({ RATE_LIMIT_MUTATIONS_PER_MIN: '3' });
    try {
      const a = await createSession(other.url);
      const b = await createSession(other.url);
      expect((await post(other.url, a, 'interrupt', { reason: 'user' })).status).toBe(200);
      expect((await post(other.url, a, 'resume')).status).toBe(200);
      expect((await post(other.url, a, 'interrupt', { reason: 'user' })).status).toBe(200);
      const r = await post(other.url, a, 'resume');
      expectError(r, 429, 'rate_limited');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await post(other.url, b, 'interrupt', { reason: 'user' })).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});

describe('TRUST_PROXY', () => {
  it('unset: X-Forwarded-For is ignored (a client cannot pick a fresh bucket)', async () => {
    const s = await startInProcess({ RATE_LIMIT_CREATE_PER_MIN: '2' });
    try {
      expect(limited((await browserCreate(s.url, { 'X-Forwarded-For': '203.0.113.1' })).status)).toBe(false);
      expect(limited((await browserCreate(s.url, { 'X-Forwarded-For': '203.0.113.2' })).status)).toBe(false);
      expectError(await browserCreate(s.url, { 'X-Forwarded-For': '203.0.113.3' }), 429, 'rate_limited');
    } finally {
      await s.stop();
    }
  });

  it.each([['1'], ['127.0.0.1'], ['loopback, 10.0.0.0/8']])('%s: each shopper behind the proxy has a bucket of their own', async (trust) => {
    const s = await startInProcess({ RATE_LIMIT_CREATE_PER_MIN: '2', TRUST_PROXY: trust });
    try {
      const from = (ip: string) => browserCreate(s.url, { 'X-Forwarded-For': ip });
      expect(limited((await from('203.0.113.1')).status)).toBe(false);
      expect(limited((await from('203.0.113.1')).status)).toBe(false);
      expectError(await from('203.0.113.1'), 429, 'rate_limited');
      // Another shopper through the same proxy is not limited; a spoofed entry left of the real one does not help.
      expect(limited((await from('203.0.113.2')).status)).toBe(false);
      expectError(await from('198.51.100.7, 203.0.113.1'), 429, 'rate_limited');
    } finally {
      await s.stop();
    }
  });

  it('a list that does not include the peer: X-Forwarded-For is ignored', async () => {
    const s = await startInProcess({ RATE_LIMIT_CREATE_PER_MIN: '1', TRUST_PROXY: '10.0.0.0/8' });
    try {
      expect(limited((await browserCreate(s.url, { 'X-Forwarded-For': '203.0.113.1' })).status)).toBe(false);
      expectError(await browserCreate(s.url, { 'X-Forwarded-For': '203.0.113.2' }), 429, 'rate_limited');
    } finally {
      await s.stop();
    }
  });

  it('an invalid setting stops start-up naming the rule', async () => {
    await expect(startInProcess({ TRUST_PROXY: 'not-an-address' })).rejects.toThrow(/TRUST_PROXY must be/);
  });
});

describe('postgres: two instances share one limit', () => {
  if (!requirePostgres()) return;
  const schema = newSchemaName();
  let release: () => Promise<void>;
  const servers: InProcessServer[] = [];
  beforeAll(async () => {
    release = await pgRestartGuard();
    const env = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, RATE_LIMIT_CREATE_PER_MIN: '4', RATE_LIMIT_MERCHANT_PER_MIN: '3' };
    servers.push(await startInProcess(env)); // first alone: it migrates the schema
    servers.push(await startInProcess(env));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await dropSchema(schema);
    await release?.();
  });

  it('creates from one address, alternating between the instances, hit the limit once for both', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await browserCreate(servers[i % 2]!.url)).status);
    expect(statuses.slice(0, 4).some(limited)).toBe(false);
    expect(statuses.slice(4).every(limited)).toBe(true);
    const merchant: number[] = [];
    for (let i = 0; i < 4; i++) merchant.push((await merchantCreate(servers[i % 2]!.url, 100 + i)).status);
    expect(merchant).toEqual([201, 201, 201, 429]);
  });
});
