/**
 * A merchant's React 19 page (test/packages/react-app), built the way a merchant builds it: against the installed
 * tarball, type-checked with `tsc` (its `@ts-expect-error` lines prove wrong props are refused), bundled by Vite with
 * @vitejs/plugin-react, served from its own origin and driven in Chromium against a real payment server.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import react from '@vitejs/plugin-react';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARDS, launch, payWith } from '../e2e/support.js';
import { ROOT, startServer, type StartedServer } from '../support/server.js';
import { ensureBuilt, packAndInstall, type Installed } from './pack.js';

let pkg: Installed;
let shop: Server;
let shopOrigin: string;
let server: StartedServer;
let browser: Browser;

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' } as Record<string, string>;

/** The built app on its own origin (the merchant's), every path falling back to index.html. */
function serve(dir: string): Server {
  return createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path);
    const target = path !== '/' && existsSync(file) ? file : join(dir, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' }).end(readFileSync(target));
  });
}

beforeAll(async () => {
  ensureBuilt();
  pkg = packAndInstall(['react', 'react-dom', '@types/react', '@types/react-dom']);
  cpSync(join(ROOT, 'test/packages/react-app'), pkg.dir, { recursive: true });
  await build({ root: pkg.dir, configFile: false, logLevel: 'warn', plugins: [react()], build: { outDir: join(pkg.dir, 'out'), emptyOutDir: true } });
  shop = serve(join(pkg.dir, 'out'));
  await new Promise<void>((r) => shop.listen(0, '127.0.0.1', r));
  shopOrigin = `http://127.0.0.1:${(shop.address() as { port: number }).port}`;
  server = await startServer({ env: { ALLOWED_ORIGINS: shopOrigin } });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
  await new Promise((r) => shop?.close(r));
  if (pkg) rmSync(pkg.dir, { recursive: true, force: true });
});

/** A session the merchant's backend creates with its key (amount set by the merchant). */
async function merchantSession(): Promise<{ sessionId: string; clientSecret: string }> {
  const res = await fetch(`${server.url}/api/payments/session/create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.merchantKey}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ orderId: `ord_react_${crypto.randomUUID().slice(0, 8)}`, amount: 4200, currency: 'EUR' }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { sessionId: string; clientSecret: string };
}

/** A page of the app, with every EventSource it opens recorded (to see the streams close). */
async function open(query: Record<string, string>): Promise<{ page: Page; logs: string[] }> {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const Native = window.EventSource;
    const streams: EventSource[] = [];
    (window as unknown as { __streams: EventSource[] }).__streams = streams;
    window.EventSource = class extends Native {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        streams.push(this);
      }
    };
  });
  const page = await context.newPage();
  const logs: string[] = [];
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && logs.push(`console: ${m.text()}`));
  await page.goto(`${shopOrigin}/?${new URLSearchParams({ api: `${server.url}/api/payments`, ...query })}`);
  return { page, logs };
}

/** readyState of the page's event streams for one session: 0 connecting, 1 open, 2 closed. */
const streamsOf = (page: Page, sessionId: string) =>
  page.evaluate((id) => (window as unknown as { __streams: EventSource[] }).__streams.filter((s) => s.url.includes(id)).map((s) => s.readyState), sessionId);

const text = (page: Page, selector: string) => page.locator(selector).textContent();

describe('a React 19 page using payment-checkout/react', () => {
  it('type-checks with tsc against the installed types, wrong props refused', () => {
    // Each `@ts-expect-error` in App.tsx must meet an error, or tsc fails with "Unused '@ts-expect-error' directive".
    const tsc = join(ROOT, 'node_modules/.bin/tsc');
    let output = '';
    try {
      execFileSync(tsc, ['-p', join(pkg.dir, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toBe('');
  });

  it('builds with Vite and @vitejs/plugin-react (in beforeAll): one bundle, the element defined once in it', () => {
    const assets = readdirSync(join(pkg.dir, 'out/assets')).filter((f) => f.endsWith('.js'));
    const code = assets.map((f) => readFileSync(join(pkg.dir, 'out/assets', f), 'utf8')).join('\n');
    expect(code.match(/customElements\.define\(\s*["'`]payment-checkout["'`]/g)).toHaveLength(1);
  });

  it('pays with 4242…: onCheckoutComplete fires, the hook shows COMPLETED, every stream is closed', async () => {
    const { sessionId, clientSecret } = await merchantSession();
    const { page, logs } = await open({ session: sessionId, secret: clientSecret });
    await page.waitForSelector('payment-checkout[status="initiated"]', { state: 'attached', timeout: 20_000 });
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('INITIATED');
    expect(await text(page, '#hook-source')).toBe('sse');
    await payWith(page, CARDS.ok);

    await expect.poll(() => text(page, '#paid'), { timeout: 30_000 }).toMatch(/\S/);
    const held = (await (await fetch(`${server.url}/api/payments/session/${sessionId}`, { headers: { authorization: `Bearer ${clientSecret}` } })).json()) as { status: string; paymentId: string };
    expect(held.status).toBe('COMPLETED');
    expect(await text(page, '#paid')).toBe(held.paymentId);
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('COMPLETED');
    expect(await text(page, '#hook-source')).toBe('done');
    expect(await text(page, '#events')).toContain(`ready:${sessionId}`);
    expect(await text(page, '#events')).toContain('status:completed');
    await expect.poll(() => streamsOf(page, sessionId)).not.toContain(1);
    expect((await streamsOf(page, sessionId)).every((state) => state === 2)).toBe(true);
    expect(logs).toEqual([]);
    await page.context().close();
  });

  it('closes its event stream when the component unmounts', async () => {
    const { sessionId, clientSecret } = await merchantSession();
    const { page } = await open({ session: sessionId, secret: clientSecret, widget: '0' });
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('INITIATED');
    expect(await streamsOf(page, sessionId)).toContain(1);
    await page.click('#stop-watching');
    await expect.poll(() => page.locator('#hook-status').count()).toBe(0);
    expect((await streamsOf(page, sessionId)).every((state) => state === 2)).toBe(true);
    await page.context().close();
  });

  it('polls when asked to (live: false) until the status is final, then stops', async () => {
    const { sessionId, clientSecret } = await merchantSession();
    const { page } = await open({ session: sessionId, secret: clientSecret, widget: '0', live: '0', interval: '200' });
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('INITIATED');
    expect(await text(page, '#hook-source')).toBe('polling');
    expect(await streamsOf(page, sessionId)).toEqual([]);
    const cancel = await fetch(`${server.url}/api/payments/session/${sessionId}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientSecret}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ reason: 'test' }),
    });
    expect(cancel.status).toBe(200);
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('CANCELLED');
    expect(await text(page, '#hook-source')).toBe('done');
    await page.context().close();
  });

  it('stops polling when the component unmounts: no request after it', async () => {
    const { sessionId, clientSecret } = await merchantSession();
    const { page } = await open({ session: sessionId, secret: clientSecret, widget: '0', live: '0', interval: '100' });
    let polls = 0;
    page.on('request', (r) => r.url().includes(`/session/${sessionId}`) && r.method() === 'GET' && polls++);
    await expect.poll(() => polls, { timeout: 20_000 }).toBeGreaterThan(2);
    await page.click('#stop-watching');
    await expect.poll(() => page.locator('#hook-status').count()).toBe(0);
    const atUnmount = polls;
    await page.waitForTimeout(1_000); // ten intervals: any timer left behind would have fired
    expect(polls).toBe(atUnmount);
    await page.context().close();
  });

  it('falls back from the stream to polling, and stops with the error when the secret is wrong', async () => {
    const { sessionId } = await merchantSession();
    const { page } = await open({ session: sessionId, secret: 'wrong-secret', widget: '0', interval: '100' });
    await expect.poll(() => text(page, '#hook-source'), { timeout: 20_000 }).toBe('stopped');
    expect(await text(page, '#hook-error')).toBe('session_not_found');
    expect(await text(page, '#hook-status')).toBe('none');
    expect((await streamsOf(page, sessionId)).every((state) => state === 2)).toBe(true);
    await page.context().close();
  });
});
