/**
 * The mixed checkout flow under load (autocannon): per connection, create (merchant key) → get → tokenize → complete,
 * over and over, each step using what the previous one answered. Also the bare-route ceiling in the same shape.
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  flowsPerSec: number;
}

function summarise(r: autocannon.Result, stepsPerFlow: number): LoadResult {
  return {
    requestsPerSec: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    flowsPerSec: Math.round((r.requests.average / stepsPerFlow) * 10) / 10,
  };
}

/** urls: one or more server instances; connections are spread over them round-robin. */
/** `overallRate`: requests per second in all (split evenly over the instances), for load at a fixed rate instead of flat out. */
export async function mixedFlow(
  urls: string[],
  merchantKey: string,
  opts: { connections: number; durationSec: number; overallRate?: number },
): Promise<LoadResult> {
  const perInstance = Math.max(1, Math.floor(opts.connections / urls.length));
  const rate = opts.overallRate ? Math.max(1, Math.round(opts.overallRate / urls.length)) : undefined;
  const results = await Promise.all(urls.map((url) => runFlow(url, merchantKey, perInstance, opts.durationSec, rate)));
  if (results.length === 1) return summarise(results[0], 4);
  // Several instances: sum throughput, take the worst latency percentiles.
  const each = results.map((r) => summarise(r, 4));
  return {
    requestsPerSec: each.reduce((a, r) => a + r.requestsPerSec, 0),
    p50Ms: Math.max(...each.map((r) => r.p50Ms)),
    p99Ms: Math.max(...each.map((r) => r.p99Ms)),
    requests: each.reduce((a, r) => a + r.requests, 0),
    non2xx: each.reduce((a, r) => a + r.non2xx, 0),
    errors: each.reduce((a, r) => a + r.errors, 0),
    flowsPerSec: Math.round(each.reduce((a, r) => a + r.flowsPerSec, 0) * 10) / 10,
  };
}

function runFlow(url: string, merchantKey: string, connections: number, durationSec: number, overallRate?: number): Promise<autocannon.Result> {
  type Ctx = { sessionId?: string; secret?: string; token?: string };
  return autocannon({
    url,
    connections,
    duration: durationSec,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: '/api/payments/session/create',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${merchantKey}` },
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ orderId: `bench_${randomUUID()}`, amount: 4200, currency: 'EUR' }) }),
        onResponse: (_status, body, ctx: Ctx) => {
          const s = JSON.parse(body);
          ctx.sessionId = s.sessionId;
          ctx.secret = s.clientSecret;
        },
      },
      {
        method: 'GET',
        setupRequest: (req, ctx: Ctx) => ({ ...req, path: `/api/payments/session/${ctx.sessionId}`, headers: { authorization: `Bearer ${ctx.secret}` } }),
      },
      {
        method: 'POST',
        path: '/api/payments/test-processor/tokens',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ card: { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' } }),
        onResponse: (_status, body, ctx: Ctx) => {
          ctx.token = JSON.parse(body).token;
        },
      },
      {
        method: 'POST',
        setupRequest: (req, ctx: Ctx) => ({
          ...req,
          path: `/api/payments/session/${ctx.sessionId}/complete`,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.secret}`, 'idempotency-key': randomUUID() },
          body: JSON.stringify({ paymentMethod: { token: ctx.token } }),
        }),
      },
    ],
  } as autocannon.Options);
}

/** The ceiling: the same number of connections against a bare Hono route (alternating a GET and a small JSON POST). */
export async function bareRoute(url: string, opts: { connections: number; durationSec: number }): Promise<LoadResult> {
  const r = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.durationSec,
    requests: [
      { method: 'GET', path: '/' },
      { method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hello: 'world' }) },
    ],
  });
  return summarise(r, 2);
}
