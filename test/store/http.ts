/** A small HTTP client for the multi-instance suites: the checkout calls, SSE reading, and retries the way a client would. */
import { randomUUID } from 'node:crypto';

export const MERCHANT_KEY = 'test-merchant-key-0123456789';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const GOOD_CARD = { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' };

export interface Answer {
  status: number;
  body: any;
}

export async function call(base: string, method: string, path: string, opts: { body?: unknown; auth?: string; key?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.auth) headers.authorization = `Bearer ${opts.auth}`;
  if (opts.key) headers['idempotency-key'] = opts.key;
  const res = await fetch(`${base}/api/payments${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

/** A session created by the merchant backend (no order source needed). */
export async function createSession(base: string): Promise<{ sessionId: string; clientSecret: string }> {
  const r = await call(base, 'POST', '/session/create', { auth: MERCHANT_KEY, body: { orderId: `ord_${randomUUID()}`, amount: 4200, currency: 'EUR' } });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function tokenize(base: string): Promise<string> {
  const r = await call(base, 'POST', '/test-processor/tokens', { body: { card: GOOD_CARD } });
  if (r.status !== 201) throw new Error(`tokenize: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

export function complete(base: string, s: { sessionId: string; clientSecret: string }, token: string, key = randomUUID()): Promise<Answer> {
  return call(base, 'POST', `/session/${s.sessionId}/complete`, { auth: s.clientSecret, key, body: { paymentMethod: { token } } });
}

/** Reads `/events` until a status event satisfies `until`; resolves with the statuses seen. */
export async function watchEvents(
  base: string,
  s: { sessionId: string; clientSecret: string },
  until: (status: string) => boolean,
  opts: { onOpen?: () => void; timeoutMs?: number } = {},
): Promise<string[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs ?? 10_000);
  const seen: string[] = [];
  try {
    const res = await fetch(`${base}/api/payments/session/${s.sessionId}/events?client_secret=${encodeURIComponent(s.clientSecret)}`, { signal: ac.signal });
    if (res.status !== 200) throw new Error(`events: ${res.status}`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    let opened = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`event stream ended; saw ${seen.join(',')}`);
      buf += value;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (!/^event: status$/m.test(frame) || !data) continue;
        const status = JSON.parse(data).status as string;
        seen.push(status);
        if (!opened) {
          opened = true;
          opts.onOpen?.();
        }
        if (until(status)) return seen;
      }
    }
  } catch (err) {
    if (ac.signal.aborted) throw new Error(`no matching event within the time; saw ${seen.join(',') || 'nothing'}`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}
