/**
 * A payment session's live status, for the framework bindings (`usePaymentStatus` in React): the server's event stream
 * (`GET {api}/session/:id/events?client_secret=…`, `event: status`), falling back to polling `GET {api}/session/:id`
 * (`Authorization: Bearer <client secret>`) every `intervalMs` (2000) at most `maxPolls` (30) times when the stream fails.
 * It ends by itself on a final status; `stop()` ends it at once: no timer, no open stream, no request left behind.
 *
 * DOM-only (EventSource, fetch, AbortController): it uses none of the widget's internals, so the bindings stay a thin
 * layer over the element's public surface.
 */

export const FINAL_STATUSES = ['COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'] as const;

export type PaymentSessionStatus = 'INITIATED' | 'PROCESSING' | 'INTERRUPTED' | 'RESUMED' | (typeof FINAL_STATUSES)[number];

/** The session object as `GET /session/:id` and the event stream carry it. */
export interface PaymentSession {
  sessionId: string;
  orderId: string;
  userId?: string;
  status: PaymentSessionStatus;
  amount: number;
  currency: string;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  paymentId?: string;
  lastError?: { code: string; message: string };
  metadata?: Record<string, unknown>;
}

/** An error the feed met. `code` is the API's error code (`session_not_found`, …), or `network` / `invalid_response`. */
export interface PaymentStatusError {
  code: string;
  message: string;
  /** HTTP status of the answer, when there was one. */
  httpStatus?: number;
}

/**
 * Where the status comes from now: `sse` (the stream is open), `polling`, `done` (a final status arrived),
 * `stopped` (polls exhausted without a final status, or an answer that polling cannot fix such as 401/404),
 * or `idle` (no session to follow).
 */
export type PaymentStatusSource = 'idle' | 'sse' | 'polling' | 'done' | 'stopped';

export interface PaymentStatusOptions {
  /** Base URL of the payment API. Default `/api/payments`, like the element's `api` attribute. */
  api?: string;
  /** Time between polls when the stream fails, in ms. Default 2000. */
  intervalMs?: number;
  /** Polls before giving up (the state becomes `stopped`). Default 30 (one minute at 2 s). */
  maxPolls?: number;
  /** `false`: poll only, never open the event stream. Default `true`. */
  live?: boolean;
}

export interface PaymentStatusUpdate {
  session: PaymentSession | null;
  error: PaymentStatusError | null;
  source: PaymentStatusSource;
}

export const DEFAULT_API = '/api/payments';
export const DEFAULT_INTERVAL_MS = 2_000; // 2 s
export const DEFAULT_MAX_POLLS = 30; // with 2 s: one minute

export const isFinalStatus = (status: string | null | undefined): boolean => (FINAL_STATUSES as readonly string[]).includes(status ?? '');

/** Answers polling cannot change: a wrong secret or an unknown session stays so. 408 and 429 are worth another poll. */
const isHopeless = (httpStatus: number) => httpStatus >= 400 && httpStatus < 500 && httpStatus !== 408 && httpStatus !== 429;

/**
 * Follows one session until it is final or `stop()` is called. `onUpdate` receives the whole state on every change.
 *
 * @example
 * ```ts
 * const feed = watchPaymentStatus(sessionId, clientSecret, { api: 'https://pay.example/api/payments' }, (u) => render(u.session?.status));
 * // …later
 * feed.stop();
 * ```
 */
export function watchPaymentStatus(
  sessionId: string,
  clientSecret: string,
  options: PaymentStatusOptions,
  onUpdate: (update: PaymentStatusUpdate) => void,
): { stop(): void } {
  const api = (options.api ?? DEFAULT_API).replace(/\/+$/, '');
  const intervalMs = Math.max(0, options.intervalMs ?? DEFAULT_INTERVAL_MS);
  const maxPolls = Math.max(1, options.maxPolls ?? DEFAULT_MAX_POLLS);
  const sessionUrl = `${api}/session/${encodeURIComponent(sessionId)}`;

  let state: PaymentStatusUpdate = { session: null, error: null, source: 'idle' };
  let stopped = false;
  let stream: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inflight: AbortController | null = null;
  let polls = 0;

  const emit = (patch: Partial<PaymentStatusUpdate>) => {
    if (stopped) return;
    state = { ...state, ...patch };
    onUpdate(state);
  };
  const release = () => {
    stream?.close();
    stream = null;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    inflight?.abort();
    inflight = null;
  };
  const finish = (source: 'done' | 'stopped', patch: Partial<PaymentStatusUpdate> = {}) => {
    release();
    emit({ ...patch, source });
    stopped = true;
  };
  const received = (session: PaymentSession) => {
    if (isFinalStatus(session.status)) finish('done', { session, error: null });
    else emit({ session, error: null });
  };

  async function poll(): Promise<void> {
    timer = null;
    polls++;
    const controller = new AbortController();
    inflight = controller;
    try {
      const res = await fetch(sessionUrl, { headers: { authorization: `Bearer ${clientSecret}` }, cache: 'no-store', signal: controller.signal });
      const body = (await res.json().catch(() => null)) as (PaymentSession & { error?: PaymentStatusError }) | null;
      if (stopped) return;
      if (res.ok && body && typeof body.status === 'string') {
        received(body);
      } else {
        const error: PaymentStatusError = body?.error?.code
          ? { code: body.error.code, message: body.error.message, httpStatus: res.status }
          : { code: 'invalid_response', message: `The payment server answered ${res.status}.`, httpStatus: res.status };
        if (isHopeless(res.status)) return finish('stopped', { error });
        emit({ error });
      }
    } catch (err) {
      if (stopped) return;
      emit({ error: { code: 'network', message: err instanceof Error ? err.message : 'The payment server could not be reached.' } });
    } finally {
      if (inflight === controller) inflight = null;
    }
    next();
  }
  function next(): void {
    if (stopped) return;
    if (polls >= maxPolls) return finish('stopped');
    timer = setTimeout(() => void poll(), intervalMs);
  }
  function startPolling(): void {
    emit({ source: 'polling' });
    void poll(); // at once: the stream just failed, and its failure may be one polling reports (401/404)
  }

  if (options.live === false || typeof EventSource === 'undefined') {
    startPolling();
  } else {
    const source = new EventSource(`${sessionUrl}/events?client_secret=${encodeURIComponent(clientSecret)}`);
    stream = source;
    emit({ source: 'sse' });
    source.addEventListener('status', (event) => {
      if (stopped || stream !== source) return;
      try {
        received(JSON.parse((event as MessageEvent<string>).data) as PaymentSession);
      } catch {
        // A malformed event is skipped: the next one carries the whole session again.
      }
    });
    // EventSource retries by itself after a dropped connection but not after an HTTP error (429 too_many_streams, 404);
    // either way polling takes over at once so the page is never left without updates.
    source.addEventListener('error', () => {
      if (stopped || stream !== source) return;
      source.close();
      stream = null;
      startPolling();
    });
  }

  return {
    stop() {
      release();
      stopped = true;
    },
  };
}
