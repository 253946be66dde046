/**
 * Storage faults on the real server process: a full disk (a 2 MiB tmpfs) → 503 storage_unavailable and /healthz 503,
 * the cause logged once, recovery by itself once space is freed, and every session answered 200 COMPLETED still there
 * after a restart; the data directory removed while running → /healthz 503.
 * Mounting needs root (or CAP_SYS_ADMIN): without it the tmpfs case is skipped with a notice.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.js';
import { MERCHANT_KEY, call, type Answer } from './helpers/api.js';
import { HIGH_LIMITS } from './helpers/server.js';

const ENV = { LOG_LEVEL: 'info', ...HIGH_LIMITS };
const started: StartedServer[] = [];
const mounts: string[] = [];

afterAll(async () => {
  for (const s of started) await s.kill();
  for (const m of mounts) {
    try {
      execFileSync('umount', [m]);
    } catch {}
    rmSync(m, { recursive: true, force: true });
  }
});

function tryMountTmpfs(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'pc-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' });
    mounts.push(dir);
    return dir;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    console.warn(`storage-faults: cannot mount a tmpfs (${(err as Error).message.split('\n')[0]}); the disk-full case is skipped`);
    return null;
  }
}
const TMPFS = tryMountTmpfs();

/** One checkout; the answer of the first step that did not succeed, or the 200 of /complete. */
async function checkout(base: string): Promise<{ answer: Answer; sessionId?: string; clientSecret?: string }> {
  const created = await call(base, 'POST', '/session/create', {
    auth: MERCHANT_KEY,
    body: { orderId: `ord_${Math.random().toString(36).slice(2)}`, amount: 4200, currency: 'EUR', metadata: { note: 'x'.repeat(500) } },
  });
  if (created.status !== 201) return { answer: created };
  const { sessionId, clientSecret } = created.body;
  const tok = await call(base, 'POST', '/test-processor/tokens', { body: { card: { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' } } });
  if (tok.status !== 201) return { answer: tok, sessionId, clientSecret };
  const done = await call(base, 'POST', `/session/${sessionId}/complete`, {
    auth: clientSecret,
    key: `k-${sessionId}`,
    body: { paymentMethod: { token: tok.body.token } },
  });
  return { answer: done, sessionId, clientSecret };
}

const linesMatching = (out: string, re: RegExp) => out.split('\n').filter((l) => re.test(l)).length;

async function waitForHealth(base: string, status: number, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`${base}/healthz`);
    if (r.status === status || Date.now() > until) return r.status;
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe('disk full', () => {
  it.skipIf(!TMPFS)('→ 503 and /healthz 503, the cause logged once; space freed → recovers; no paid session lost', async () => {
    const dataDir = join(TMPFS!, 'data');
    let srv = await startServer({ dataDir, env: ENV });
    started.push(srv);
    const paid: { sessionId: string; clientSecret: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await checkout(srv.url);
      expect(r.answer.status).toBe(200);
      paid.push({ sessionId: r.sessionId!, clientSecret: r.clientSecret! });
    }
    // Fill the file system.
    const filler = join(TMPFS!, 'filler');
    const fd = openSync(filler, 'w');
    try {
      const block = Buffer.alloc(16 * 1024, 1);
      for (;;) writeSync(fd, block);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    let unavailable: Answer | null = null;
    for (let i = 0; i < 300 && !unavailable; i++) {
      const r = await checkout(srv.url);
      if (r.answer.status === 200) paid.push({ sessionId: r.sessionId!, clientSecret: r.clientSecret! });
      else if (r.answer.status === 503) unavailable = r.answer;
      else expect.fail(`unexpected ${r.answer.status}: ${r.answer.text}`);
    }
    expect(unavailable, 'the full disk was never noticed').not.toBeNull();
    expect(unavailable!.body.error.code).toBe('storage_unavailable');
    expect(await waitForHealth(srv.url, 503, 1_000)).toBe(503);
    // While it is down, more requests: each a 503, none a log line of its own.
    for (let i = 0; i < 20; i++) expect((await checkout(srv.url)).answer.status).toBe(503);
    const out = srv.output();
    expect(linesMatching(out, /storage failed/)).toBe(1);
    expect(out).toMatch(/storage failed: .*disk is full/);
    expect(linesMatching(out, /"level":50/)).toBe(1); // no error line per request

    rmSync(filler);
    expect(await waitForHealth(srv.url, 200, 15_000)).toBe(200);
    const after = await checkout(srv.url);
    expect(after.answer.status).toBe(200);
    paid.push({ sessionId: after.sessionId!, clientSecret: after.clientSecret! });
    expect(srv.output()).toMatch(/storage recovered/);

    // Every session answered 200 COMPLETED is there after a restart.
    expect(await srv.stop()).toBe(0);
    srv = await startServer({ dataDir, env: ENV });
    started.push(srv);
    for (const p of paid) {
      const r = await call(srv.url, 'GET', `/session/${p.sessionId}`, { auth: p.clientSecret });
      expect(r.status, `${p.sessionId} after the restart`).toBe(200);
      expect(r.body.status).toBe('COMPLETED');
    }
    await srv.stop();
  });
});

describe('data directory removed while running', () => {
  it('→ /healthz 503 and the API 503 storage_unavailable, the cause logged once', async () => {
    const srv = await startServer({ env: ENV });
    started.push(srv);
    expect((await checkout(srv.url)).answer.status).toBe(200);
    rmSync(srv.dataDir, { recursive: true, force: true });
    const health = await fetch(`${srv.url}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { error: { code: string } }).error.code).toBe('storage_unavailable');
    const r = await checkout(srv.url);
    expect(r.answer.status).toBe(503);
    expect(r.answer.body.error.code).toBe('storage_unavailable');
    expect(await waitForHealth(srv.url, 200, 1_500)).toBe(503); // it does not come back by itself on an empty file
    expect(linesMatching(srv.output(), /storage failed: .*removed/)).toBe(1);
    await srv.stop();
  });
});
