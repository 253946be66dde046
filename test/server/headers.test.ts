/**
 * Response headers (issue 14 item 9) on the real server: `Cache-Control: no-store` on every API answer that carries a
 * session or a secret; `?client_secret=` on `/events` only; HSTS only over https (direct or a trusted proxy's word);
 * a Permissions-Policy everywhere; a CSP on every page with a hash for each inline script; X-Request-Id validated;
 * static files precompressed by Accept-Encoding. Static cases need `npm run build` (dist/).
 */
import { get as httpGet } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, createSession, expectError, pay } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';
import { ROOT } from '../support/server.js';

let srv: InProcessServer;
let base: string;

beforeAll(async () => {
  srv = await startInProcess();
  base = srv.url;
});
afterAll(() => srv?.stop());

function rawGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

/** The first bytes of an SSE stream's answer, then closed. */
async function sseHeaders(url: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  ac.abort();
  return res;
}

describe('Cache-Control: no-store on answers carrying a session or a secret', () => {
  it('create, session, summary, events, admin, ledger, tokens, errors, health, metrics', async () => {
    const s = await createSession(base);
    await pay(base, s);
    const auth = { authorization: `Bearer ${s.clientSecret}` };
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const answers: [string, Headers][] = [];
    const created = await call(base, 'POST', '/session/create', { body: { orderId: 'ord_x' }, auth: undefined });
    answers.push(['create (error)', created.headers]);
    const again = await call(base, 'POST', '/session/create', {
      auth: 'test-merchant-key-0123456789',
      body: { orderId: 'ord_nostore', amount: 100, currency: 'EUR' },
    });
    expect(again.status).toBe(201);
    answers.push(['create', again.headers]);
    for (const path of [`/session/${s.sessionId}`, `/session/${s.sessionId}/summary`]) {
      answers.push([path, (await fetch(`${base}/api/payments${path}`, { headers: auth })).headers]);
      answers.push([`${path} (admin)`, (await fetch(`${base}/api/payments${path}`, { headers: admin })).headers]);
    }
    answers.push(['events', (await sseHeaders(`${base}/api/payments/session/${s.sessionId}/events`, auth)).headers]);
    answers.push(['admin list', (await fetch(`${base}/api/payments/sessions/active`, { headers: admin })).headers]);
    answers.push(['admin stats', (await fetch(`${base}/api/payments/sessions/stats`, { headers: admin })).headers]);
    answers.push(['ledger', (await fetch(`${base}/api/payments/test-processor/charges`, { headers: admin })).headers]);
    const token = await call(base, 'POST', '/test-processor/tokens', {
      body: { card: { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' } },
    });
    answers.push(['token', token.headers]);
    answers.push(['404', (await fetch(`${base}/api/payments/session/nope`)).headers]);
    answers.push(['healthz', (await fetch(`${base}/healthz`)).headers]);
    answers.push(['metrics', (await fetch(`${base}/metrics`)).headers]);
    for (const [what, h] of answers) expect(h.get('cache-control'), what).toBe('no-store');
  });
});

describe('?client_secret= is accepted on /events only, and never the admin token', () => {
  it('GET session and summary refuse it; /events takes the session secret, not the admin token', async () => {
    const s = await createSession(base);
    const q = `client_secret=${encodeURIComponent(s.clientSecret)}`;
    expectError(await call(base, 'GET', `/session/${s.sessionId}?${q}`), 404, 'session_not_found');
    expectError(await call(base, 'GET', `/session/${s.sessionId}/summary?${q}`), 404, 'session_not_found');
    expect((await sseHeaders(`${base}/api/payments/session/${s.sessionId}/events?${q}`)).status).toBe(200);
    const adminQ = `client_secret=${encodeURIComponent(ADMIN_TOKEN)}`;
    expectError(await call(base, 'GET', `/session/${s.sessionId}?${adminQ}`), 404, 'session_not_found');
    expect((await sseHeaders(`${base}/api/payments/session/${s.sessionId}/events?${adminQ}`)).status).toBe(404);
  });
});

describe('HSTS only over https; Permissions-Policy; X-Request-Id', () => {
  it('plain HTTP: no HSTS, even when an untrusted client claims https', async () => {
    expect((await fetch(`${base}/healthz`)).headers.get('strict-transport-security')).toBeNull();
    expect((await fetch(`${base}/healthz`, { headers: { 'X-Forwarded-Proto': 'https' } })).headers.get('strict-transport-security')).toBeNull();
  });

  it('behind a trusted proxy that says https: HSTS', async () => {
    const s = await startInProcess({ TRUST_PROXY: 'loopback' });
    try {
      expect((await fetch(`${s.url}/healthz`, { headers: { 'X-Forwarded-Proto': 'https' } })).headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect((await fetch(`${s.url}/healthz`, { headers: { 'X-Forwarded-Proto': 'http' } })).headers.get('strict-transport-security')).toBeNull();
    } finally {
      await s.stop();
    }
  });

  it('a Permissions-Policy on API answers', async () => {
    expect((await fetch(`${base}/healthz`)).headers.get('permissions-policy')).toMatch(/camera=\(\)/);
  });

  it('a client X-Request-Id is kept when it is short and plain, replaced otherwise', async () => {
    const rid = async (v: string) => (await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': v } })).headers.get('x-request-id');
    expect(await rid('abc-123_DEF=')).toBe('abc-123_DEF=');
    for (const bad of ['a'.repeat(65), 'a b', 'x"y', '<script>', 'id\u00e9']) {
      const got = await rid(bad).catch(() => null);
      if (got === null) continue; // fetch itself refused the header value
      expect(got).not.toBe(bad);
      expect(got).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('pages and static files', () => {
  const PAGES = ['/', '/cart', '/checkout/ord_x', '/orders/ord_x', '/admin'];

  it.each(PAGES)('%s: a CSP with no inline script allowed except by hash, and a Permissions-Policy', async (page) => {
    const res = await fetch(`${base}${page}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const script = csp
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith('script-src'))!;
    expect(script).toMatch(/^script-src 'self'/);
    expect(script).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/base-uri 'none'/);
    expect(res.headers.get('permissions-policy')).toMatch(/camera=\(\)/);
    // Each inline script of the page is allowed by its hash.
    const html = await res.text();
    for (const m of html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/gi)) {
      if (/\ssrc=/.test(m[1] ?? '') || !m[2]) continue;
      expect(script).toContain(`'sha256-${createHash('sha256').update(m[2]).digest('base64')}'`);
    }
  });

  it('static files are served precompressed by Accept-Encoding, with Vary', async () => {
    const original = readFileSync(join(ROOT, 'dist/payment-checkout.js'));
    const br = await rawGet(`${base}/payment-checkout.js`, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    expect(br.body.length).toBeLessThan(original.length / 2);
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    const gz = await rawGet(`${base}/payment-checkout.js`, { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(original)).toBe(true);
    const none = await rawGet(`${base}/payment-checkout.js`, { 'Accept-Encoding': 'identity' });
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body.equals(original)).toBe(true);
    const refused = await rawGet(`${base}/payment-checkout.js`, { 'Accept-Encoding': 'br;q=0, gzip' });
    expect(refused.headers['content-encoding']).toBe('gzip');
    const page = await rawGet(`${base}/checkout/ord_x`, { 'Accept-Encoding': 'br' });
    expect(page.headers['content-encoding']).toBe('br');
    expect(page.headers['content-security-policy']).toBeDefined();
  });

  it('a widget file of another build is a 404 a merchant page can read (CORS), saying why, not a CORS error', async () => {
    const gone = await rawGet(`${base}/payment-checkout-en.NoSuchHash.js`, { Origin: 'https://shop.example' });
    expect(gone.status).toBe(404);
    expect(gone.headers['access-control-allow-origin']).toBe('*');
    expect(gone.body.toString()).toMatch(/another build.*reload/i);
  });
});
