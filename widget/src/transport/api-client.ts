/**
 * The payment API over fetch (docs/API.md): one method per route, each bounded by a timeout (AbortController).
 * Answers come back as `{status, body}` whatever the status; only a failure to get any answer throws
 * (`NetworkError`, `TimeoutError`, or an `AbortError` when the caller's own signal fired).
 */
import type { CardInput } from './wire.js';
import { jsonOf } from '../shared/answers.js';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

/** The request never got an HTTP answer (offline, DNS, connection reset, CORS). */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

/** No answer within the time allowed; the request was aborted (the server may still have acted on it). */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export interface CallOptions {
  timeoutMs?: number;
  /** Aborts without a TimeoutError (the element went away). */
  signal?: AbortSignal;
  /** The request outlives the page (`fetch` keepalive): for what is sent on `pagehide`. */
  keepalive?: boolean;
}

/** What the controller needs from the network; `ApiClient` is the real one, tests may pass their own. */
export interface CheckoutApi {
  /** From the server's own order source (`orderId`) or a merchant-signed order (`orderToken`). */
  createSession(order: { orderId: string } | { orderToken: string }, idempotencyKey: string, o?: CallOptions): Promise<ApiAnswer>;
  getSession(sessionId: string, secret: string, o?: CallOptions): Promise<ApiAnswer>;
  tokenize(card: CardInput, o?: CallOptions): Promise<ApiAnswer>;
  complete(sessionId: string, secret: string, token: string, idempotencyKey: string, o?: CallOptions): Promise<ApiAnswer>;
  resume(sessionId: string, secret: string, idempotencyKey: string, o?: CallOptions): Promise<ApiAnswer>;
  cancel(sessionId: string, secret: string, reason: string, idempotencyKey: string, o?: CallOptions): Promise<ApiAnswer>;
  /** `idempotencyKey` null: sent without one (the `unload` interruption, which is never retried). */
  /** `attempt`: the attempt interrupted (the server ignores an interruption of an attempt the session has moved past). */
  interrupt(sessionId: string, secret: string, reason: string, idempotencyKey: string | null, o?: CallOptions, attempt?: number): Promise<ApiAnswer>;
  /** URL of the session's event stream (`?client_secret=`: EventSource cannot send headers). */
  eventsUrl(sessionId: string, secret: string): string;
}

const DEFAULT_TIMEOUT_MS = 30_000; // 30 s, the contract's default `timeout`

export class ApiClient implements CheckoutApi {
  readonly base: string;
  readonly #fetch: typeof fetch;

  constructor(base: string, fetchImpl: typeof fetch = (input, init) => fetch(input, init)) {
    this.base = base.replace(/\/+$/, '');
    this.#fetch = fetchImpl;
  }

  createSession(order: { orderId: string } | { orderToken: string }, key: string, o?: CallOptions) {
    return this.#call('POST', '/session/create', order, { key }, o);
  }

  getSession(id: string, secret: string, o?: CallOptions) {
    return this.#call('GET', `/session/${encodeURIComponent(id)}`, undefined, { secret }, o);
  }

  tokenize(card: CardInput, o?: CallOptions) {
    return this.#call('POST', '/test-processor/tokens', { card }, {}, o);
  }

  complete(id: string, secret: string, token: string, key: string, o?: CallOptions) {
    return this.#call('POST', `/session/${encodeURIComponent(id)}/complete`, { paymentMethod: { token } }, { secret, key }, o);
  }

  resume(id: string, secret: string, key: string, o?: CallOptions) {
    return this.#call('POST', `/session/${encodeURIComponent(id)}/resume`, {}, { secret, key }, o);
  }

  cancel(id: string, secret: string, reason: string, key: string, o?: CallOptions) {
    return this.#call('POST', `/session/${encodeURIComponent(id)}/cancel`, { reason }, { secret, key }, o);
  }

  interrupt(id: string, secret: string, reason: string, key: string | null, o?: CallOptions, attempt?: number) {
    return this.#call('POST', `/session/${encodeURIComponent(id)}/interrupt`, { reason, attempt }, { secret, key: key ?? undefined }, o);
  }

  eventsUrl(id: string, secret: string): string {
    return `${this.base}/session/${encodeURIComponent(id)}/events?client_secret=${encodeURIComponent(secret)}`;
  }

  async #call(method: 'GET' | 'POST', path: string, body: unknown, auth: { secret?: string; key?: string }, o: CallOptions = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth.secret) headers.authorization = `Bearer ${auth.secret}`;
    if (auth.key) headers['idempotency-key'] = auth.key;
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const onOuterAbort = () => abort.abort();
    o.signal?.addEventListener('abort', onOuterAbort);
    try {
      const res = await this.#fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: abort.signal,
        credentials: 'omit',
        cache: 'no-store',
        keepalive: o.keepalive,
      });
      const parsed = jsonOf(await res.text());
      return { status: res.status, body: parsed === undefined ? { error: { code: 'invalid_response', message: `HTTP ${res.status}` } } : parsed };
    } catch (err) {
      if (timedOut) throw new TimeoutError(`${method} ${path} took longer than ${o.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`);
      if (o.signal?.aborted) throw err;
      throw new NetworkError(`${method} ${path}: no answer from the server`);
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onOuterAbort);
    }
  }
}
