/**
 * Issue 14 item 2: a server-wide connection budget. One client opening 2 000 event streams against a real server
 * process limited to 300 file descriptors (`prlimit --nofile=300`) gets at most its share (streams beyond the caps are
 * refused with 429 too_many_streams, sockets beyond its share are dropped), while another shopper's checkouts, the
 * health check and the metrics keep answering, and the server never runs out of file descriptors.
 */
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.js';
import { MERCHANT_KEY, call, createSession, pay } from './helpers/api.js';

const ATTACKER = '127.0.0.2';
const STREAMS = 2_000;
const FD_LIMIT = 300;
let srv: StartedServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  srv = await startServer({
    prefix: ['prlimit', `--nofile=${FD_LIMIT}:${FD_LIMIT}`, '--'],
    env: { RATE_LIMIT_CREATE_PER_MIN: '0', RATE_LIMIT_TOKENS_PER_MIN: '0', RATE_LIMIT_MUTATIONS_PER_MIN: '0' },
  });
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await srv?.stop();
  srv?.cleanup();
});

/** What one attacker socket got: the first bytes of its answer, or how it ended. */
function openStream(path: string): Promise<string> {
  const u = new URL(srv.url);
  return new Promise((resolve) => {
    const s = connect({ host: u.hostname, port: Number(u.port), localAddress: ATTACKER });
    sockets.push(s);
    let got = '';
    const done = (what: string) => resolve(what);
    s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`));
    s.on('data', (d) => {
      got += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m && (m[1] !== '429' || got.includes('too_many_streams'))) done(m[1] === '429' ? '429 too_many_streams' : m[1]!);
    });
    s.on('error', () => done('error'));
    s.on('close', () => done(got ? `closed after ${got.slice(0, 12)}` : 'dropped'));
  });
}

const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

describe(`${STREAMS} attacker streams under ulimit -n ${FD_LIMIT}`, () => {
  it('the attacker gets its share; other shoppers check out; the server keeps file descriptors to spare', async () => {
    // The attacker's sessions (10 streams each would be allowed per session), created from its own address.
    const sessions: { sessionId: string; clientSecret: string }[] = [];
    for (let i = 0; i < STREAMS / 10; i++) {
      sessions.push(
        (await call(srv.url, 'POST', '/session/create', { auth: MERCHANT_KEY, body: { orderId: `ord_${randomUUID()}`, amount: 100, currency: 'EUR' } })).body,
      );
    }
    const outcomes: Promise<string>[] = [];
    for (let i = 0; i < STREAMS; i++) {
      const s = sessions[i % sessions.length]!;
      outcomes.push(openStream(`/api/payments/session/${s.sessionId}/events?client_secret=${s.clientSecret}`));
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
    }
    // While the attacker holds what it got: another shopper's checkouts, the health check and the metrics.
    let peakFds = 0;
    for (let i = 0; i < 10; i++) {
      const s = await createSession(srv.url);
      const r = await pay(srv.url, s);
      expect(r.status, r.text).toBe(200);
      expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
      peakFds = Math.max(peakFds, openFds(srv.proc.pid!));
    }
    expect((await call(srv.url, 'GET', '/metrics')).status).toBe(200);

    const counts: Record<string, number> = {};
    for (const o of await Promise.all(outcomes)) counts[o] = (counts[o] ?? 0) + 1;
    // At most the per-client stream cap (100) was ever opened; the rest were refused or dropped, none hangs.
    expect(counts['200'] ?? 0, JSON.stringify(counts)).toBeLessThanOrEqual(100);
    expect(counts['200'] ?? 0, JSON.stringify(counts)).toBeGreaterThan(0);
    expect((counts['429 too_many_streams'] ?? 0) + (counts.dropped ?? 0) + (counts.error ?? 0), JSON.stringify(counts)).toBeGreaterThan(STREAMS / 2);
    expect(peakFds).toBeLessThan(FD_LIMIT - 20);
    expect(srv.output()).not.toMatch(/EMFILE/);
    console.log(`[connections] attacker outcomes ${JSON.stringify(counts)}; server fds at most ${peakFds} of ${FD_LIMIT}`);
  });
});
