/**
 * `runFuzz(opts)`: fuzzes every operation of the API's /openapi.json against a real server process and checks each
 * answer: no 5xx, no hang, every error in the contract's shape, every documented 2xx body matching its schema,
 * no stack trace, client secret or card number where it does not belong.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { startServer, type StartedServer } from '../support/server.js';
import { operations, requestArb, type FuzzRequest } from './requests.js';
import { validate, type Doc } from './schema.js';

export interface FuzzOptions {
  requests?: number;
  seed?: number;
  concurrency?: number;
  log?: (line: string) => void;
  /** Extra server environment (e.g. DATABASE_URL and DATABASE_SCHEMA to fuzz the PostgreSQL store). */
  env?: Record<string, string>;
}

export interface FuzzResult {
  seed: number;
  requests: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, Record<string, number>>;
  validRequests: number;
  /** Requests the client itself could not form (an URL or header fetch refuses). */
  skipped: number;
  undocumentedStatuses: Record<string, number>;
  /** Slowest answer per route, ms. */
  slowest: Record<string, number>;
  violations: { kind: string; detail: string }[];
  wallMs: number;
}

const TIMEOUT_MS = 15_000;
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const CARDS = ['4242424242424242', '4000000000000002', '4000000000000119', '4000000000006975'];

interface Sess {
  id: string;
  secret: string;
  keys: string[];
}

export async function runFuzz(opts: FuzzOptions = {}): Promise<FuzzResult> {
  const total = opts.requests ?? 10_000;
  const seed = opts.seed ?? Date.now() % 1_000_000;
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const server = await startServer({
    env: {
      PAYMENT_TIMEOUT_MS: '800',
      RATE_LIMIT_CREATE_PER_MIN: '1000000',
      RATE_LIMIT_TOKENS_PER_MIN: '1000000',
      RATE_LIMIT_MUTATIONS_PER_MIN: '1000000',
      ...opts.env,
    },
  });
  const result: FuzzResult = {
    seed,
    requests: 0,
    byStatus: {},
    byRoute: {},
    validRequests: 0,
    skipped: 0,
    undocumentedStatuses: {},
    slowest: {},
    violations: [],
    wallMs: 0,
  };
  try {
    const world = await World.open(server);
    const ops = operations(world.doc);
    log(`fuzz: ${ops.length} operations from /openapi.json, ${total} requests, seed ${seed}`);
    const arb = fc.oneof(...ops.map((op) => requestArb(world.doc, op)));
    // A few generated requests never leave the client (fetch refuses the URL or a header): generate some spare.
    const reqs = fc.sample(arb, { numRuns: Math.ceil(total * 1.1) + 10, seed });
    let next = 0;
    let inFlight = 0;
    let logged = 0;
    const worker = async () => {
      while (next < reqs.length && result.requests + inFlight < total) {
        const r = reqs[next++];
        inFlight++;
        try {
          await fuzzOne(world, r, result);
        } finally {
          inFlight--;
        }
        if (result.requests - logged >= 2_000) log(`  ${(logged = result.requests)}/${total}, ${result.violations.length} violations`);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
    const code = await server.stop();
    if (code !== 0) result.violations.push({ kind: 'unclean_shutdown', detail: `exit ${code}\n${server.output().slice(-2000)}` });
  } finally {
    await server.kill();
    server.cleanup();
  }
  result.wallMs = Math.round(performance.now() - started);
  return result;
}

/** The server's side of the fuzz: sessions, orders, tokens it gives out, to make valid requests valid. */
class World {
  readonly pool: Sess[] = [];
  paidOrders: string[] = [];
  usedTokens: string[] = [];
  product = '';

  private constructor(
    readonly server: StartedServer,
    readonly doc: Doc,
  ) {}

  static async open(server: StartedServer): Promise<World> {
    const doc = (await (await fetch(`${server.url}/api/payments/openapi.json`)).json()) as Doc;
    const w = new World(server, doc);
    w.product = (await w.call('GET', '/api/store/products')).products[0].productId;
    for (let i = 0; i < 12; i++) w.pool.push(await w.newSession());
    // An order already paid (create on it answers 409) and a used token.
    const paid = await w.newSession();
    const token = await w.token(CARDS[0]);
    await w.call(
      'POST',
      `/api/payments/session/${paid.id}/complete`,
      { paymentMethod: { token } },
      { Authorization: `Bearer ${paid.secret}`, 'Idempotency-Key': randomUUID() },
    );
    w.paidOrders.push((await w.call('GET', `/api/payments/session/${paid.id}`, undefined, { Authorization: `Bearer ${paid.secret}` })).orderId);
    w.usedTokens.push(token);
    return w;
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
    const res = await fetch(this.server.url + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  async order(): Promise<string> {
    return (await this.call('POST', '/api/store/orders', { items: [{ productId: this.product, quantity: 1 }] })).orderId;
  }

  async newSession(): Promise<Sess> {
    const s = await this.call('POST', '/api/payments/session/create', { orderId: await this.order() });
    return { id: s.sessionId, secret: s.clientSecret, keys: [] };
  }

  async token(number: string): Promise<string> {
    return (await this.call('POST', '/api/payments/test-processor/tokens', { card: { number, expMonth: 12, expYear: 2031, cvc: '123' } })).token;
  }

  /** Fills the placeholders of a generated body. */
  async fill(v: unknown): Promise<unknown> {
    if (typeof v === 'string') {
      if (v === '@@order') return this.order();
      if (v === '@@paid-order') return this.paidOrders[0];
      if (v === '@@token:used') return this.usedTokens[0];
      if (v.startsWith('@@token:')) return this.token({ ok: CARDS[0], declined: CARDS[1], slow: CARDS[3] }[v.slice(8)] ?? CARDS[2]);
      return v;
    }
    if (Array.isArray(v)) return Promise.all(v.map((x) => this.fill(x)));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = await this.fill(x);
      return out;
    }
    return v;
  }
}

async function fuzzOne(w: World, r: FuzzRequest, res: FuzzResult): Promise<void> {
  const violation = (kind: string, detail: string) => res.violations.push({ kind, detail: `${describe(r)} → ${detail}` });
  // Resolve the target session and the credentials.
  const pick = () => w.pool[Math.floor(Math.random() * w.pool.length)];
  let target: Sess | null = null;
  let sessionId = '';
  if (r.session === 'pool') target = pick();
  else if (r.session === 'fresh') {
    target = await w.newSession();
    w.pool[Math.floor(Math.random() * w.pool.length)] = target; // keep the pool young: sessions become final as the fuzz pays them
  } else if (r.session === 'other' || r.session === 'unknown') {
    target = pick();
    sessionId = r.session === 'unknown' ? `cs_${randomUUID().replace(/-/g, '').slice(0, 24)}` : target.id;
  } else sessionId = r.session.garbage;
  if (target && !sessionId) sessionId = target.id;
  const headers: Record<string, string> = {};
  const a = r.auth;
  if (a === 'valid') headers.Authorization = `Bearer ${target?.secret ?? 'none'}`;
  else if (a === 'other') headers.Authorization = `Bearer ${pick().secret}`;
  else if (a === 'wrong') headers.Authorization = `Bearer ${sessionId}_secret_${randomUUID().replace(/-/g, '')}`;
  else if (a === 'admin') headers.Authorization = `Bearer ${w.server.adminToken}`;
  else if (a === 'merchant') headers.Authorization = `Bearer ${w.server.merchantKey}`;
  else if (typeof a === 'object') headers.Authorization = a.raw;
  // With 'other' the secret belongs to a different session than the path names.
  if (r.session === 'other' && a === 'valid') headers.Authorization = `Bearer ${pick().secret}`;

  if (r.key !== undefined) {
    const reuse = target?.keys[target.keys.length - 1];
    headers['Idempotency-Key'] = r.key === '@@reuse' ? (reuse ?? randomUUID()) : r.key;
    if (target && r.key !== '@@reuse') target.keys.push(r.key);
  }
  let body: string | undefined;
  if (r.body.kind === 'json') {
    body = JSON.stringify(await w.fill(r.body.value));
    headers['Content-Type'] = r.body.contentType ?? 'application/json';
  } else if (r.body.kind === 'raw') {
    body = r.body.text;
    headers['Content-Type'] = r.body.contentType ?? 'application/json';
  }
  if (headers['Content-Type'] === '') delete headers['Content-Type'];

  const path = r.op.path.replace('{sessionId}', sessionId);
  const qs = r.query.length ? `?${new URLSearchParams(r.query)}` : '';
  const isEvents = r.op.path.endsWith('/events');
  let url: string;
  try {
    url = new URL(`${r.op.base}${path}${qs}`, w.server.url).toString();
  } catch {
    res.skipped++;
    return;
  }
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
  const t0 = performance.now();
  let status: number;
  let text: string;
  let contentType: string;
  try {
    let resp: Response;
    try {
      resp = await fetch(url, { method: r.op.method, headers, body, signal: ctrl.signal });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      // fetch refuses some header values and URLs itself: nothing reached the server.
      if ((err as Error).name === 'TypeError' && !cause?.code && /header|URL|ByteString|invalid/i.test(`${(err as Error).message} ${cause ?? ''}`)) {
        res.skipped++;
        return;
      }
      violation(ctrl.signal.aborted ? 'hang' : 'no_answer', `${(err as Error).message} ${cause?.code ?? ''}`);
      return;
    }
    status = resp.status;
    contentType = resp.headers.get('content-type') ?? '';
    text = isEvents && status === 200 ? await firstEvent(resp, ctrl) : await resp.text();
  } finally {
    clearTimeout(timer);
  }
  res.requests++;
  const ms = performance.now() - t0;
  if (ms > (res.slowest[r.op.id] ?? 0)) res.slowest[r.op.id] = Math.round(ms);
  if (r.valid) res.validRequests++;
  res.byStatus[status] = (res.byStatus[status] ?? 0) + 1;
  (res.byRoute[r.op.id] ??= {})[status] = ((res.byRoute[r.op.id] ??= {})[status] ?? 0) + 1;
  if (!r.op.op.responses?.[String(status)]) res.undocumentedStatuses[`${r.op.id} ${status}`] = (res.undocumentedStatuses[`${r.op.id} ${status}`] ?? 0) + 1;

  if (status >= 500) violation('server_error', `${status} ${text.slice(0, 300)}`);
  if (/\n\s+at .+[:(].*\d+:\d+|node_modules|\.ts:\d+/.test(text)) violation('stack_trace', text.slice(0, 300));
  for (const n of CARDS) if (text.includes(n)) violation('card_number_leak', text.slice(0, 200));
  // The OpenAPI document names the field (a schema, no secret); only the create's 201 may carry a value.
  const mayNameSecret = (r.op.path === '/session/create' && status === 201) || (r.op.path === '/openapi.json' && status === 200);
  if (text.includes('clientSecret') && !mayNameSecret) violation('secret_leak', text.slice(0, 200));

  if (status >= 400) {
    let b: any;
    try {
      b = JSON.parse(text);
    } catch {
      violation('bad_error_shape', `${status} not JSON: ${text.slice(0, 200)}`);
      return;
    }
    if (!b?.error || typeof b.error.code !== 'string' || !SNAKE.test(b.error.code) || typeof b.error.message !== 'string' || !b.error.message) {
      violation('bad_error_shape', `${status} ${text.slice(0, 200)}`);
    }
    return;
  }
  if (isEvents) {
    if (status === 200 && !contentType.startsWith('text/event-stream')) violation('schema_mismatch', `events answered ${contentType}`);
    const data = /^data: (.*)$/m.exec(text)?.[1];
    // The stream itself is text (its schema a string); each event's data is the Session as JSON.
    if (status === 200 && data) {
      const errs = validate(w.doc, { $ref: '#/components/schemas/Session' }, JSON.parse(data));
      if (errs.length) violation('schema_mismatch', `event data: ${errs.slice(0, 3).join('; ')}`);
    } else if (status === 200) violation('schema_mismatch', `no status event within ${TIMEOUT_MS} ms: ${text.slice(0, 100)}`);
    return;
  }
  const schema = r.op.op.responses?.[String(status)]?.content?.['application/json']?.schema;
  if (schema) {
    let b: unknown;
    try {
      b = JSON.parse(text);
    } catch {
      violation('schema_mismatch', `${status} not JSON: ${text.slice(0, 200)}`);
      return;
    }
    const errs = validate(w.doc, schema, b);
    if (errs.length) violation('schema_mismatch', `${status}: ${errs.slice(0, 3).join('; ')}`);
  }
  // A token this request spent becomes a "used token" for later requests.
  if (r.op.path.endsWith('/complete') && (status === 200 || status === 402) && body) {
    const t = (JSON.parse(body) as any)?.paymentMethod?.token;
    if (typeof t === 'string') w.usedTokens = [t];
  }
}

/** A whole event with data has arrived (the stream opens with a `retry:` frame of its own, which is not one). */
function hasEvent(text: string): boolean {
  const at = text.search(/^data: /m);
  return at >= 0 && text.indexOf('\n\n', at) >= 0;
}

/** Reads an event stream until its first event, then hangs up. */
async function firstEvent(resp: Response, ctrl: AbortController): Promise<string> {
  const reader = resp.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  try {
    while (!hasEvent(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
  } catch {
    /* aborted by the timeout: judged by what arrived */
  } finally {
    ctrl.abort();
  }
  return text;
}

function describe(r: FuzzRequest): string {
  const body = r.body.kind === 'none' ? '' : r.body.kind === 'json' ? JSON.stringify(r.body.value) : JSON.stringify(r.body.text);
  const auth = typeof r.auth === 'object' ? `raw:${JSON.stringify(r.auth.raw.slice(0, 40))}` : r.auth;
  const session = typeof r.session === 'object' ? `garbage:${JSON.stringify(r.session.garbage.slice(0, 60))}` : r.session;
  return `${r.op.id} [session ${session}, auth ${auth}, key ${JSON.stringify(r.key?.slice(0, 40))}, query ${JSON.stringify(r.query).slice(0, 80)}, ${r.mutation}] body ${body.slice(0, 160)}${body.length > 160 ? `… (${body.length} chars)` : ''}`;
}
