/** A small HTTP client for the server suite: the contract's calls, the test cards, and the checks every answer must pass. */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'vitest';

export const MERCHANT_KEY = 'test-merchant-key-0123456789';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** docs/API.md "Test processor": the test processor's cards. */
export const CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  processorError: '4000000000000119',
  slow: '4000000000006975',
  answerLost: '4000000000000341',
} as const;
export type CardName = keyof typeof CARDS;

export interface Session {
  sessionId: string;
  clientSecret: string;
  orderId: string;
  [k: string]: any;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is (no JSON encoding, no content type unless given). */
  rawBody?: string;
  auth?: string;
  key?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export async function call(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.auth) headers.authorization = `Bearer ${opts.auth}`;
  if (opts.key !== undefined) headers['idempotency-key'] = opts.key;
  Object.assign(headers, opts.headers);
  const url = path.startsWith('/api/') || path.startsWith('/healthz') || path.startsWith('/metrics') ? `${base}${path}` : `${base}/api/payments${path}`;
  const res = await fetch(url, {
    method,
    headers,
    body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  if (/json/.test(res.headers.get('content-type') ?? '')) expectNothingSecret(text, body);
  return { status: res.status, headers: res.headers, text, body };
}

/** sha256 of every client secret seen in a create answer: no later answer may carry one (the stored hash). */
const secretHashes = new Set<string>();

/**
 * Every JSON answer of every test goes through here: no stack trace, no test card number, no client secret's hash,
 * and a client secret only in the create answer (and its replays) that hands it out.
 */
function expectNothingSecret(text: string, body: any): void {
  expectNoLeak(text);
  for (const number of Object.values(CARDS)) expect(text).not.toContain(number);
  for (const hash of secretHashes) expect(text).not.toContain(hash);
  if (typeof body?.clientSecret === 'string') secretHashes.add(createHash('sha256').update(body.clientSecret).digest('hex'));
}

/** A session created by the merchant backend, with its own order id (no order source needed). */
export async function createSession(base: string, over: Record<string, unknown> = {}): Promise<Session> {
  const r = await call(base, 'POST', '/session/create', {
    auth: MERCHANT_KEY,
    body: { orderId: `ord_${randomUUID()}`, amount: 4200, currency: 'EUR', ...over },
  });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
  return r.body;
}

/** An order from the demo store, the way the storefront makes one. */
export async function createOrder(base: string, items = [{ productId: 'prod_mug', quantity: 2 }]) {
  const r = await call(base, 'POST', '/api/store/orders', { body: { items } });
  if (r.status !== 201) throw new Error(`order: ${r.status} ${r.text}`);
  return r.body as { orderId: string; amount: number; currency: string };
}

export const VALID_EXPIRY = { expMonth: 12, expYear: new Date().getUTCFullYear() + 5 };

export async function tokenize(base: string, card: CardName = 'success'): Promise<string> {
  const r = await call(base, 'POST', '/test-processor/tokens', { body: { card: { number: CARDS[card], ...VALID_EXPIRY, cvc: '123' } } });
  if (r.status !== 201) throw new Error(`tokenize: ${r.status} ${r.text}`);
  return r.body.token;
}

export function complete(
  base: string,
  s: Pick<Session, 'sessionId' | 'clientSecret'>,
  token: string,
  key: string = randomUUID(),
  opts: { timeoutMs?: number } = {},
) {
  return call(base, 'POST', `/session/${s.sessionId}/complete`, { auth: s.clientSecret, key, body: { paymentMethod: { token } }, timeoutMs: opts.timeoutMs });
}

/** Tokenises the card and pays with it. */
export async function pay(base: string, s: Session, card: CardName = 'success', key?: string) {
  return complete(base, s, await tokenize(base, card), key);
}

export function post(
  base: string,
  s: Pick<Session, 'sessionId' | 'clientSecret'>,
  action: 'resume' | 'cancel' | 'interrupt',
  body: unknown = {},
  key?: string,
) {
  return call(base, 'POST', `/session/${s.sessionId}/${action}`, { auth: s.clientSecret, body, key });
}

export async function getSession(base: string, s: Pick<Session, 'sessionId' | 'clientSecret'>) {
  const r = await call(base, 'GET', `/session/${s.sessionId}`, { auth: s.clientSecret });
  if (r.status !== 200) throw new Error(`get: ${r.status} ${r.text}`);
  return r.body;
}

/** The test processor's ledger for one session (admin). */
export async function ledger(base: string, sessionId: string): Promise<{ chargeId: string; status: string; idempotencyKey: string; amount: number }[]> {
  const r = await call(base, 'GET', `/test-processor/charges?sessionId=${sessionId}`, { auth: ADMIN_TOKEN });
  if (r.status !== 200) throw new Error(`ledger: ${r.status} ${r.text}`);
  return r.body.charges;
}

export const succeeded = <T extends { status: string }>(charges: T[]) => charges.filter((c) => c.status === 'succeeded');

/** Polls `read` until `done` holds; fails with the last value seen. */
export async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > until) throw new Error(`${what} not reached in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function waitForStatus(base: string, s: Session, status: string, timeoutMs = 10_000) {
  return waitFor(
    () => getSession(base, s),
    (v) => v.status === status,
    timeoutMs,
    `status ${status}`,
  );
}

/** The contract's error shape: `{error: {code: snake_case, message, details?}}` and nothing else at the top. */
export function expectErrorShape(a: Answer, code?: string): void {
  expect(a.headers.get('content-type') ?? '').toMatch(/application\/json/);
  expect(Object.keys(a.body ?? {}), a.text).toEqual(['error']);
  expect(a.body.error.code).toMatch(/^[a-z][a-z0-9_]*$/);
  expect(typeof a.body.error.message).toBe('string');
  expect(a.body.error.message.length).toBeGreaterThan(0);
  if (code) expect(a.body.error.code, a.text).toBe(code);
  expectNoLeak(a.text);
}

/** Stack traces and source paths never reach a client. */
export function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|node:internal|\.ts:\d+|\/work\/|Error: /);
}

export function expectError(a: Answer, status: number, code: string): void {
  expect(a.status, a.text).toBe(status);
  expectErrorShape(a, code);
}
