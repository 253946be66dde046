/**
 * Webhooks: state change → webhook received (median, p99) on a quiet receiver, one checkout at a time; then the mixed
 * flow with webhooks on vs off in the same run, alternating (off, on, off, on) so a drift of the machine hits both.
 */
import { randomUUID } from 'node:crypto';
import { benchGroups, measureCpu } from './cpu.js';
import { mixedFlow, type LoadResult } from './flow.js';
import { BENCH_MERCHANT_KEY, spawnScript, spawnServer } from './procs.js';

const SECRET = 'whsec_' + Buffer.alloc(32, 5).toString('base64');

export interface WebhookBench {
  latency: { samples: number; medianMs: number; p99Ms: number; maxMs: number };
  flowOff: LoadResult;
  flowOn: LoadResult;
  ratio: number;
  /** The server's own CPU per request (µs), webhooks off / on: what the throughput ratio cannot separate from the machine being shared. */
  cpuUsPerRequest: { off: number | null; on: number | null };
  /** Events the receiver got during the "on" runs, and COMPLETED sessions the flow made in them. */
  receivedDuringFlow: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

async function json(url: string, init: RequestInit = {}): Promise<any> {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function checkout(base: string): Promise<void> {
  const s = await json(`${base}/api/payments/session/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_MERCHANT_KEY}` },
    body: JSON.stringify({ orderId: `bench_${randomUUID()}`, amount: 4200, currency: 'EUR' }),
  });
  const t = await json(`${base}/api/payments/test-processor/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ card: { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' } }),
  });
  await json(`${base}/api/payments/session/${s.sessionId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.clientSecret}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify({ paymentMethod: { token: t.token } }),
  });
}

export async function benchWebhooks(opts: { connections: number; durationSec: number; samples?: number }): Promise<WebhookBench> {
  const receiver = await spawnScript('bench/webhook-receiver.ts');
  const on = { WEBHOOK_URL: `${receiver.url}/hook`, WEBHOOK_SECRET: SECRET };
  try {
    // Latency: one checkout at a time, a pause between them, so the receiver and the server are quiet.
    const server = await spawnServer(on);
    let latencies: number[] = [];
    try {
      const n = opts.samples ?? 200;
      for (let i = 0; i < 20; i++) await checkout(server.url); // warm-up
      await new Promise((r) => setTimeout(r, 300));
      await json(`${receiver.url}/stats`);
      for (let i = 0; i < n; i++) {
        await checkout(server.url);
        await new Promise((r) => setTimeout(r, 20));
      }
      for (let until = Date.now() + 5_000; Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 200));
        const st = await json(`${receiver.url}/stats`);
        latencies = latencies.concat(st.latencies);
        if (latencies.length >= n) break;
      }
    } finally {
      await server.stop();
    }
    const latency = { samples: latencies.length, medianMs: pct(latencies, 50), p99Ms: pct(latencies, 99), maxMs: Math.max(...latencies) };

    // Throughput, alternating.
    const runs: { on: boolean; r: LoadResult; us: number | null }[] = [];
    let received = 0;
    for (const webhooks of [false, true, false, true]) {
      const s = await spawnServer(webhooks ? on : {});
      try {
        await json(`${receiver.url}/stats`);
        const cpuDone = measureCpu(benchGroups([s.pid]));
        const r = await mixedFlow([s.url], BENCH_MERCHANT_KEY, opts);
        const cpu = cpuDone();
        runs.push({ on: webhooks, r, us: cpu ? Math.round((cpu.groups.servers! * 1e6) / r.requestsPerSec) : null });
        if (webhooks) {
          await new Promise((res) => setTimeout(res, 1_000)); // the last deliveries
          received += (await json(`${receiver.url}/stats`)).count;
        }
      } finally {
        await s.stop();
      }
    }
    const avg = (xs: LoadResult[]): LoadResult => ({
      requestsPerSec: Math.round(xs.reduce((a, x) => a + x.requestsPerSec, 0) / xs.length),
      p50Ms: Math.max(...xs.map((x) => x.p50Ms)),
      p99Ms: Math.max(...xs.map((x) => x.p99Ms)),
      requests: xs.reduce((a, x) => a + x.requests, 0),
      non2xx: xs.reduce((a, x) => a + x.non2xx, 0),
      errors: xs.reduce((a, x) => a + x.errors, 0),
      flowsPerSec: Math.round((xs.reduce((a, x) => a + x.flowsPerSec, 0) / xs.length) * 10) / 10,
    });
    const flowOff = avg(runs.filter((x) => !x.on).map((x) => x.r));
    const flowOn = avg(runs.filter((x) => x.on).map((x) => x.r));
    const us = (on: boolean) => {
      const xs = runs.filter((x) => x.on === on && x.us !== null).map((x) => x.us!);
      return xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : null;
    };
    return {
      latency,
      flowOff,
      flowOn,
      ratio: flowOn.requestsPerSec / flowOff.requestsPerSec,
      receivedDuringFlow: received,
      cpuUsPerRequest: { off: us(false), on: us(true) },
    };
  } finally {
    await receiver.stop();
  }
}

// `tsx bench/webhooks.ts` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchWebhooks({ connections: 50, durationSec: Number(process.env.BENCH_DURATION_SEC ?? 10) });
  console.log(JSON.stringify(r, null, 2));
}
