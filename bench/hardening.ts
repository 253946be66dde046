/**
 * Issue 14 figures (docs/hardening.md), each beside its baseline in the same run:
 * - an attacker at the limits (from its own address: 10 sessions grown to the history cap, 10 streams on each = its 100,
 *   more streams tried and refused, interrupt → resume as fast as the per-session rate limit lets it; set
 *   BENCH_ATTACK_MUTATIONS_PER_MIN=0 to lift that limit for the worst case) vs the same server idle: other shoppers'
 *   checkout p50/p99, server RSS and file descriptors, and the attacker's amplification (stream bytes per request);
 * - the mixed flow with SQLITE_SYNCHRONOUS=FULL (the default) vs NORMAL.
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mixedFlow, type LoadResult } from './flow.js';
import { BENCH_MERCHANT_KEY, spawnServer } from './procs.js';

const ATTACKER = '127.0.0.2';
const CARD = { number: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 5, cvc: '123' };

interface Answer {
  status: number;
  body: any;
  bytes: number;
}

function call(agent: Agent, base: string, method: string, path: string, body?: unknown, auth?: string): Promise<Answer> {
  const u = new URL(`${base}/api/payments${path}`);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        headers: {
          ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          ...(auth ? { authorization: `Bearer ${auth}` } : {}),
          'idempotency-key': randomUUID(),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null, bytes: text.length }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10 : 0;
};

/** Other shoppers: `loops` parallel checkouts (create → tokenize → complete) over and over for `ms`. */
async function shoppers(base: string, ms: number, loops = 4) {
  const agent = new Agent({ keepAlive: true, localAddress: '127.0.0.1' });
  const times: number[] = [];
  let failed = 0;
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (Date.now() < until) {
        const t = performance.now();
        const s = await call(agent, base, 'POST', '/session/create', { orderId: `ord_${randomUUID()}`, amount: 4200, currency: 'EUR' }, BENCH_MERCHANT_KEY);
        const tok = await call(agent, base, 'POST', '/test-processor/tokens', { card: CARD });
        const done = await call(
          agent,
          base,
          'POST',
          `/session/${s.body.sessionId}/complete`,
          { paymentMethod: { token: tok.body.token } },
          s.body.clientSecret,
        );
        if (done.status === 200) times.push(performance.now() - t);
        else failed++;
      }
    }),
  );
  agent.destroy();
  return { checkouts: times.length, failed, p50Ms: pct(times, 50), p99Ms: pct(times, 99) };
}

/** Peak RSS (MiB) and open file descriptors of a process while `during` runs. */
async function sampled<T>(pid: number, during: Promise<T>): Promise<T & { rssMiB: number; fds: number }> {
  let rss = 0;
  let fds = 0;
  const take = () => {
    try {
      rss = Math.max(rss, Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);
      fds = Math.max(fds, readdirSync(`/proc/${pid}/fd`).length);
    } catch {
      /* not Linux */
    }
  };
  take();
  const timer = setInterval(take, 200);
  try {
    const r = await during;
    take();
    return { ...r, rssMiB: Math.round(rss), fds };
  } finally {
    clearInterval(timer);
  }
}

/** The attacker: streams at its limits, refused extras, and interrupt → resume cycles for `ms`. */
async function attacker(base: string, ms: number) {
  const agent = new Agent({ keepAlive: true, localAddress: ATTACKER, maxSockets: 4 });
  const sessions: { sessionId: string; clientSecret: string }[] = [];
  for (let i = 0; i < 10; i++)
    sessions.push(
      (await call(agent, base, 'POST', '/session/create', { orderId: `ord_${randomUUID()}`, amount: 100, currency: 'EUR' }, BENCH_MERCHANT_KEY)).body,
    );
  const cycle = async (s: (typeof sessions)[0]) => {
    const a = await call(agent, base, 'POST', `/session/${s.sessionId}/interrupt`, { reason: 'network' }, s.clientSecret);
    const b = await call(agent, base, 'POST', `/session/${s.sessionId}/resume`, {}, s.clientSecret);
    return { bytes: a.bytes + b.bytes, accepted: (a.status === 200 ? 1 : 0) + (b.status === 200 ? 1 : 0) };
  };
  for (const s of sessions) for (let i = 0; i < 50; i++) await cycle(s); // every session at the history cap
  const u = new URL(base);
  const sockets: Socket[] = [];
  let streamBytes = 0;
  let refused = 0;
  const open = (s: (typeof sessions)[0], counted: boolean) =>
    new Promise<void>((resolve) => {
      const sock = connect({ host: u.hostname, port: Number(u.port), localAddress: ATTACKER });
      sockets.push(sock);
      let first = true;
      sock.on('connect', () =>
        sock.write(`GET /api/payments/session/${s.sessionId}/events?client_secret=${s.clientSecret} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`),
      );
      sock.on('data', (d) => {
        if (first && / 429 /.test(d.toString().slice(0, 16))) refused++;
        first = false;
        if (counted) streamBytes += d.length;
        resolve();
      });
      sock.on('error', () => resolve());
      sock.on('close', () => resolve());
    });
  for (const s of sessions) await Promise.all(Array.from({ length: 10 }, () => open(s, true)));
  const before = streamBytes;
  let requests = 0;
  let accepted = 0;
  let answerBytes = 0;
  const until = Date.now() + ms;
  const extras = setInterval(() => void Promise.all(Array.from({ length: 20 }, (_, i) => open(sessions[i % 10]!, false))), 500);
  await Promise.all(
    Array.from({ length: 4 }, async (_, k) => {
      for (let i = k; Date.now() < until; i += 4) {
        const c = await cycle(sessions[i % 10]!);
        answerBytes += c.bytes;
        accepted += c.accepted;
        requests += 2;
      }
    }),
  );
  clearInterval(extras);
  await new Promise((r) => setTimeout(r, 300));
  const pushed = streamBytes - before;
  for (const s of sockets) s.destroy();
  agent.destroy();
  return {
    requests,
    accepted,
    streamBytes: pushed,
    answerBytes,
    refused,
    bytesPerRequest: requests ? Math.round(pushed / requests) : 0,
    bytesPerChange: accepted ? Math.round(pushed / accepted) : 0,
  };
}

export async function benchHardening(opts: { durationSec: number; connections: number }) {
  const ms = opts.durationSec * 1000;
  // The attacker meets every limit as shipped: 120 mutations per session and minute, 10 streams per session, 100 per client.
  const server = await spawnServer({ RATE_LIMIT_MUTATIONS_PER_MIN: process.env.BENCH_ATTACK_MUTATIONS_PER_MIN ?? '120' });
  let idle;
  let attacked;
  try {
    idle = await sampled(server.pid, shoppers(server.url, ms));
    const attack = attacker(server.url, ms + 6_000); // includes its set-up; the shoppers run once it is at its limits
    await new Promise((r) => setTimeout(r, 6_000));
    const shop = sampled(server.pid, shoppers(server.url, ms));
    attacked = { ...(await shop), attacker: await attack };
  } finally {
    await server.stop();
  }

  const flows: Record<string, LoadResult> = {};
  for (const mode of ['FULL', 'NORMAL'] as const) {
    const s = await spawnServer({ SQLITE_SYNCHRONOUS: mode });
    try {
      flows[mode] = await mixedFlow([s.url], BENCH_MERCHANT_KEY, { connections: opts.connections, durationSec: opts.durationSec });
    } finally {
      await s.stop();
    }
  }
  return {
    idle,
    attacked,
    full: flows.FULL!,
    normal: flows.NORMAL!,
    fullToNormal: Math.round((flows.FULL!.requestsPerSec / flows.NORMAL!.requestsPerSec) * 100) / 100,
  };
}

/** The bench table's rows for these figures. */
export function hardeningRows(r: Awaited<ReturnType<typeof benchHardening>>) {
  const a = r.attacked;
  const perRequest = (n: number) => Math.round(n / Math.max(1, a.attacker.requests));
  return [
    {
      section: 'hardening',
      metric: 'other shoppers: checkout p50 / p99 under attack',
      value: `${a.p50Ms} / ${a.p99Ms} ms (${a.checkouts} ok, ${a.failed} failed)`,
      baseline: `idle: ${r.idle.p50Ms} / ${r.idle.p99Ms} ms`,
      goal: 'p99 ≤ 2× idle',
      ok: a.failed === 0 && a.p99Ms <= 2 * r.idle.p99Ms,
    },
    {
      section: 'hardening',
      metric: 'server RSS / open fds, peak',
      value: `${a.rssMiB} MiB / ${a.fds} fds`,
      baseline: `idle: ${r.idle.rssMiB} MiB / ${r.idle.fds} fds`,
      goal: '',
      ok: null,
    },
    {
      section: 'hardening',
      metric: 'attacker: 100 streams, stream bytes per request',
      value: `${a.attacker.bytesPerRequest} B (${a.attacker.requests} req, ${a.attacker.accepted} changes, ${(a.attacker.streamBytes / 2 ** 20).toFixed(1)} MiB)`,
      baseline: `${a.attacker.bytesPerChange} B per change; its answers ${perRequest(a.attacker.answerBytes)} B per request; ${a.attacker.refused} extra streams refused`,
      goal: '',
      ok: null,
    },
    {
      section: 'hardening',
      metric: 'mixed flow, SQLITE_SYNCHRONOUS FULL / NORMAL',
      value: `${(r.fullToNormal * 100).toFixed(0)} %`,
      baseline: `FULL ${r.full.requestsPerSec} req/s, NORMAL ${r.normal.requestsPerSec} req/s`,
      goal: '',
      ok: null,
    },
  ];
}
