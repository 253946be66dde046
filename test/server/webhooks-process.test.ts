/**
 * Webhooks of the real server process: the event survives `kill -9` while the receiver is down and is delivered after the
 * restart; the secret is generated once into DATA_DIR/webhook-secret (mode 0600) and printed once; bad settings stop
 * start-up with a message naming the rule; SIGTERM stops the dispatcher and exits 0.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { ROOT, startServer, type StartedServer } from '../support/server.js';
import { createSession, getSession, pay } from './helpers/api.js';
import { startReceiver, waitForReceived, type Receiver } from './helpers/receiver.js';

const SECRET = 'whsec_' + Buffer.alloc(24, 3).toString('base64');
const started: StartedServer[] = [];
const receivers: Receiver[] = [];
afterAll(async () => {
  for (const s of started) await s.kill();
  for (const dir of new Set(started.map((s) => s.dataDir))) rmSync(dir, { recursive: true, force: true });
  for (const r of receivers) await r.close();
});
async function start(opts: Parameters<typeof startServer>[0]) {
  const s = await startServer(opts);
  started.push(s);
  return s;
}

/** A port nothing listens on now (taken from a receiver that is closed at once). */
async function freePort(): Promise<number> {
  const r = await startReceiver();
  await r.close();
  return Number(new URL(r.url).port);
}

describe('webhooks: the server process', () => {
  it('should deliver after kill -9 and a restart an event recorded while the receiver was down', async () => {
    const port = await freePort();
    const env = { WEBHOOK_URL: `http://127.0.0.1:${port}/hook`, WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_BASE_MS: '50' };
    const a = await start({ env });
    const s = await createSession(a.url);
    expect((await pay(a.url, s)).status).toBe(200); // answered once durable: the event row with it
    await a.kill();

    const receiver = await startReceiver(() => ({ status: 200 }), port);
    receivers.push(receiver);
    const b = await start({ env, dataDir: a.dataDir });
    const [got] = await waitForReceived(receiver, (g) => g.length >= 1, 20_000);
    const body = new Webhook(SECRET).verify(got!.body, got!.headers) as any;
    expect(body).toMatchObject({ type: 'checkout.session.completed', data: { sessionId: s.sessionId, status: 'COMPLETED' } });
    expect((await getSession(b.url, s)).status).toBe('COMPLETED');
    expect(await b.stop()).toBe(0); // SIGTERM with the dispatcher running
  });

  it('should generate the secret once (mode 0600), print it once, and sign with it', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const env = { WEBHOOK_URL: `${receiver.url}/hook`, WEBHOOK_SECRET: undefined, WEBHOOK_RETRY_BASE_MS: '50' };
    const a = await start({ env });
    const file = join(a.dataDir, 'webhook-secret');
    const secret = readFileSync(file, 'utf8').trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(a.output()).toContain(`webhook secret (generated, stored in ${file}): ${secret}`);
    expect(await a.stop()).toBe(0); // at once after `listening`: the SIGTERM handler is in place before that line

    const b = await start({ env, dataDir: a.dataDir });
    expect(b.output()).not.toContain(secret);
    const s = await createSession(b.url);
    await pay(b.url, s);
    const [got] = await waitForReceived(receiver, (g) => g.length >= 1);
    expect(() => new Webhook(secret).verify(got!.body, got!.headers)).not.toThrow();
  });

  it.each([
    [{ WEBHOOK_URL: 'ftp://example.com/hook' }, 'only http: and https: URLs are allowed'],
    [{ WEBHOOK_URL: 'http://ok.example/a, javascript:alert(1)' }, 'only http: and https: URLs are allowed'],
    [{ WEBHOOK_URL: 'not a url' }, 'is not a URL'],
    [
      { WEBHOOK_URL: 'http://a.example/', WEBHOOK_SECRET: 'whsec_c2hvcnQ=' },
      'WEBHOOK_SECRET must be "whsec_" followed by the base64 of at least 24 random bytes',
    ],
    [{ WEBHOOK_URL: 'http://a.example/', WEBHOOK_SECRET: 'plain-secret-without-prefix-0123456789' }, 'WEBHOOK_SECRET must be "whsec_"'],
  ])('should refuse to start with %o', (env, message) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pc-wh-'));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'server/main.ts')], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', ...env },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('failed to start: invalid configuration');
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
