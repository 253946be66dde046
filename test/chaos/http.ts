/**
 * The chaos client's HTTP layer: one request (`once`) that records what it saw, and a patient request (`send`) that
 * retries network errors, 503 and `idempotency_key_in_flight` with the SAME Idempotency-Key, as the widget and its
 * service worker do. Every 5xx and connection error is checked against the windows in which its instance was down.
 */
import type { Cluster, Instance } from './cluster.js';

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
  instance: Instance;
}

export interface RequestOptions {
  body?: unknown;
  /** Bearer token (client secret or admin token). */
  auth?: string;
  /** Idempotency-Key */
  key?: string;
  /** Abort the first try after this many ms (a client that gives up mid-request, then retries with the same key). */
  abortFirstAfterMs?: number;
  /** How long the patient client keeps trying (default 90 s). */
  patienceMs?: number;
}

export class Recorder {
  readonly faults: Record<string, number> = {};
  readonly violations: { kind: string; detail: string }[] = [];
  readonly statuses: Record<string, number> = {};
  requests = 0;
  retries = 0;
  expectedErrors = 0;

  fault(kind: string, n = 1): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + n;
  }

  violation(kind: string, detail: string): void {
    this.violations.push({ kind, detail });
    if (process.env.CHAOS_VERBOSE) console.error(`violation ${kind}: ${detail}`);
  }

  violationsByKind(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const v of this.violations) out[v.kind] = (out[v.kind] ?? 0) + 1;
    return out;
  }
}

/** A request could not get an answer from the server. */
export class NetworkFailure extends Error {}
/** The patient client ran out of patience. */
export class GaveUp extends Error {}

const REQUEST_TIMEOUT_MS = 20_000; // a server that is up answers far sooner; longer means it hangs
const RETRY_PAUSE_MS = [100, 400] as const;

const isErrorShape = (b: any) =>
  b && typeof b === 'object' && b.error && typeof b.error.code === 'string' && /^[a-z][a-z0-9_]*$/.test(b.error.code) && typeof b.error.message === 'string';

export class Client {
  constructor(
    readonly cluster: Cluster,
    readonly rec: Recorder,
  ) {}

  /** One try on one instance. Throws NetworkFailure when no answer came (aborted: `aborted` true). */
  async once(method: string, path: string, o: RequestOptions & { instance?: Instance; signal?: AbortSignal } = {}): Promise<Reply> {
    const instance = o.instance ?? this.cluster.pick();
    const headers: Record<string, string> = {};
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    if (o.auth) headers.Authorization = `Bearer ${o.auth}`;
    if (o.key) headers['Idempotency-Key'] = o.key;
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    const route = `${method} ${path.replace(/cs_[0-9A-Za-z]+/, ':id').replace(/ord_[0-9A-Za-z]+/, ':orderId')}`;
    const t0 = performance.now();
    this.rec.requests++;
    if (!instance.server) {
      await sleep(50);
      throw this.#networkFailure(instance, route, t0, 'instance not started', false);
    }
    let res: Response;
    let text: string;
    try {
      res = await fetch(instance.url + path, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), signal });
      text = await res.text();
    } catch (err) {
      const own = o.signal?.aborted === true;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw this.#networkFailure(instance, route, t0, `${(err as Error).name}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, own);
    }
    const t1 = performance.now();
    this.rec.statuses[res.status] = (this.rec.statuses[res.status] ?? 0) + 1;
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      if (res.status >= 400) this.rec.violation('bad_error_shape', `${route} → ${res.status} not JSON: ${text.slice(0, 120)}`);
    }
    if (res.status >= 400 && body !== null && !isErrorShape(body)) {
      this.rec.violation('bad_error_shape', `${route} → ${res.status} ${text.slice(0, 160)}`);
    }
    if (res.status >= 500) {
      const code = body?.error?.code;
      if (res.status === 503 && code === 'storage_unavailable' && instance.wasDownDuring(t0, t1)) this.rec.expectedErrors++;
      else
        this.rec.violation(
          res.status === 500 ? 'internal_error' : 'unexpected_5xx',
          `${route} → ${res.status} ${code ?? text.slice(0, 120)} on ${this.cluster.name}#${instance.index}; server log: ${serverLogFor(instance, res.headers.get('x-request-id'))}`,
        );
    }
    return { status: res.status, body, headers: res.headers, instance };
  }

  #networkFailure(instance: Instance, route: string, t0: number, what: string, ownAbort: boolean): NetworkFailure {
    const t1 = performance.now();
    if (ownAbort) return Object.assign(new NetworkFailure(what), { aborted: true });
    if (instance.wasDownDuring(t0, t1) || !instance.server) this.rec.expectedErrors++;
    else
      this.rec.violation(
        /Timeout/.test(what) ? 'request_hung' : 'unexpected_connection_error',
        `${route}: ${what} on ${this.cluster.name}#${instance.index} (up)`,
      );
    return new NetworkFailure(what);
  }

  /** Retries what a patient client retries, with the same key and body, until a definite answer or patience runs out. */
  async send(method: string, path: string, o: RequestOptions = {}): Promise<Reply> {
    const until = performance.now() + (o.patienceMs ?? 90_000);
    let last = '';
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        this.rec.retries++;
        if (performance.now() > until) throw new GaveUp(`${method} ${path}: ${last}`);
        await sleep(RETRY_PAUSE_MS[0] + Math.random() * (RETRY_PAUSE_MS[1] - RETRY_PAUSE_MS[0]));
      }
      let controller: AbortController | undefined;
      let timer: NodeJS.Timeout | undefined;
      if (attempt === 0 && o.abortFirstAfterMs !== undefined) {
        controller = new AbortController();
        timer = setTimeout(() => controller!.abort(), o.abortFirstAfterMs);
      }
      try {
        const r = await this.once(method, path, { ...o, signal: controller?.signal });
        if (r.status === 503 || r.status === 429 || (r.status === 409 && r.body?.error?.code === 'idempotency_key_in_flight')) {
          last = `${r.status} ${r.body?.error?.code}`;
          continue;
        }
        return r;
      } catch (err) {
        if (!(err instanceof NetworkFailure)) throw err;
        last = err.message;
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

/** The server's log line about this request (pino JSON, by request id), or its last error line. */
function serverLogFor(instance: Instance, reqId: string | null): string {
  const lines = (instance.server?.output() ?? '').split('\n');
  const mine = reqId ? lines.filter((l) => l.includes(reqId) && /"level":(4|5)0/.test(l)) : [];
  return (mine[0] ?? lines.filter((l) => /"level":(4|5)0/.test(l)).pop() ?? '(none)').slice(0, 400);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
