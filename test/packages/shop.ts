/**
 * A merchant's app page for the package suites: the tarball installed in a temp folder with the app's sources copied
 * beside it, type-checked with `tsc` and built with Vite there (so every import resolves as in the merchant's project),
 * served from its own origin (another origin than the payment server's, allowed by ALLOWED_ORIGINS), opened in Chromium.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build, type PluginOption } from 'vite';
import { expect } from 'vitest';
import { launch } from '../e2e/support.js';
import { ROOT, startServer, type StartedServer } from '../support/server.js';
import { ensureBuilt, packAndInstall, type Installed } from './pack.js';

export interface Shop {
  pkg: Installed;
  origin: string;
  server: StartedServer;
  browser: Browser;
  /** Output of `tsc -p` over the app ('' when it type-checks). */
  typecheck(): string;
  /** Text of every JS file of the built app. */
  bundle(): string;
  /** A session the merchant's backend creates with its key (amount set by the merchant). */
  merchantSession(): Promise<{ sessionId: string; clientSecret: string }>;
  /** A page of the app (query joined to `api=<payment server>`), with every EventSource it opens recorded. */
  open(query: Record<string, string>): Promise<{ page: Page; logs: string[] }>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

/** The built app, every path falling back to index.html. */
function serve(dir: string): Server {
  return createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path);
    const target = path !== '/' && existsSync(file) ? file : join(dir, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' }).end(readFileSync(target));
  });
}

export async function openShop(app: string, extra: string[], plugins: PluginOption[] = []): Promise<Shop> {
  ensureBuilt();
  const pkg = packAndInstall(extra);
  cpSync(join(ROOT, 'test/packages', app), pkg.dir, { recursive: true });
  const out = join(pkg.dir, 'out');
  await build({ root: pkg.dir, configFile: false, logLevel: 'warn', plugins, build: { outDir: out, emptyOutDir: true } });
  const http = serve(out);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const server = await startServer({ env: { ALLOWED_ORIGINS: origin } });
  const browser = await launch();
  return {
    pkg,
    origin,
    server,
    browser,
    typecheck() {
      try {
        execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(pkg.dir, 'tsconfig.json')], { encoding: 'utf8' });
        return '';
      } catch (err) {
        return String((err as { stdout?: string }).stdout || err);
      }
    },
    bundle() {
      const assets = join(out, 'assets');
      return execFileSync('find', [assets, '-name', '*.js'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
    },
    async merchantSession() {
      const res = await fetch(`${server.url}/api/payments/session/create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.merchantKey}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify({ orderId: `ord_pkg_${crypto.randomUUID().slice(0, 8)}`, amount: 4200, currency: 'EUR' }),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { sessionId: string; clientSecret: string };
    },
    async open(query) {
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
      await page.goto(`${origin}/?${new URLSearchParams({ api: `${server.url}/api/payments`, ...query })}`);
      return { page, logs };
    },
    async close() {
      await browser.close();
      await server.stop();
      server.cleanup();
      await new Promise((r) => http.close(r));
      rmSync(pkg.dir, { recursive: true, force: true });
    },
  };
}

/** readyState of the page's event streams for one session: 0 connecting, 1 open, 2 closed. */
export const streamsOf = (page: Page, sessionId: string) =>
  page.evaluate((id) => (window as unknown as { __streams: EventSource[] }).__streams.filter((s) => s.url.includes(id)).map((s) => s.readyState), sessionId);

export const text = (page: Page, selector: string) => page.locator(selector).textContent();

/** The session as its holder reads it. */
export async function heldSession(server: StartedServer, sessionId: string, clientSecret: string): Promise<{ status: string; paymentId?: string }> {
  const res = await fetch(`${server.url}/api/payments/session/${sessionId}`, { headers: { authorization: `Bearer ${clientSecret}` } });
  return (await res.json()) as { status: string; paymentId?: string };
}

export async function cancelSession(server: StartedServer, sessionId: string, clientSecret: string): Promise<number> {
  const res = await fetch(`${server.url}/api/payments/session/${sessionId}/cancel`, {
    method: 'POST',
    headers: { authorization: `Bearer ${clientSecret}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ reason: 'test' }),
  });
  return res.status;
}
