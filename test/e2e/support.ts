/**
 * What the end-to-end suites share: the built client (with a fresh worker), one Chromium, a page per context,
 * the widget's parts, orders from the demo store, and the test processor's ledger.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.js';
import { DIST } from '../support/dist.js';
import type { StartedServer } from '../support/server.js';

export { createOrder, DIST, ensureBuilt, startE2EServer } from '../support/dist.js';

export const CARDS = {
  ok: '4242 4242 4242 4242',
  declined: '4000 0000 0000 0002',
  slow: '4000 0000 0000 6975',
  lost: '4000 0000 0000 0341',
} as const;

export interface MerchantSite {
  /** e.g. http://127.0.0.1:PORT: another origin than the payment server's. */
  origin: string;
  close(): Promise<void>;
}

/**
 * A merchant's own site on another port (another origin): `pages` by path, each answering with its HTML and headers,
 * and the widget bundle self-hosted at /shop/payment-checkout.js; anything else is a 404.
 */
export async function startMerchantSite(pages: Record<string, (url: URL) => { html: string; headers?: Record<string, string> }>): Promise<MerchantSite> {
  const site = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://merchant');
    const page = pages[url.pathname];
    if (page) {
      const { html, headers } = page(url);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(html);
    } else if (url.pathname === '/shop/payment-checkout.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(DIST, 'payment-checkout.js')));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(site.address() as { port: number }).port}`,
    close: () => new Promise((r) => site.close(() => r())),
  };
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface Opened {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors of pages and workers, for failure messages. */
  logs: string[];
}

/** A fresh context (own storage and worker) on `baseURL`, with `options` over the defaults, and its first page. */
export async function openContext(browser: Browser, baseURL: string, options: BrowserContextOptions = {}): Promise<Opened> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1100, height: 900 }, ...options });
  const logs: string[] = [];
  context.on('serviceworker', (worker) => worker.on('console', (m) => logs.push(`sw ${m.type()}: ${m.text()}`)));
  const page = await context.newPage();
  watch(page, logs);
  return { context, page, logs };
}

export function watch(page: Page, logs: string[]): void {
  page.on('pageerror', (e) => logs.push(`pageerror ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') logs.push(`page ${m.type()}: ${m.text()}`);
  });
}

export const widget = (page: Page) => page.locator('payment-checkout');
export const part = (page: Page, name: string) => page.locator(`payment-checkout [part~="${name}"]`);

export async function waitForStatus(page: Page, status: string, timeout = 20_000): Promise<void> {
  await page.waitForSelector(`payment-checkout[status="${status}"]`, { timeout, state: 'attached' });
}

/** Fills the widget's card fields (`number`, 12/34, 123). */
export async function fillCard(page: Page, number: string): Promise<void> {
  await part(page, 'card-number').fill(number);
  await part(page, 'card-expiry').fill('12/34');
  await part(page, 'card-cvc').fill('123');
}

/** Fills the widget's card fields and presses Pay. */
export async function payWith(page: Page, number: string): Promise<void> {
  await fillCard(page, number);
  await part(page, 'pay-button').click();
}

/** Waits until the page is controlled by the service worker (first visit: after activate + clients.claim). */
export async function waitForWorker(page: Page, timeout = 15_000): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated', undefined, { timeout });
}

export interface Charge {
  chargeId: string;
  sessionId: string;
  idempotencyKey: string;
  amount: number;
  currency: string;
  status: string;
}

/** The test processor's ledger (admin), optionally for one session. */
export async function ledger(server: Pick<StartedServer, 'url' | 'adminToken'>, sessionId?: string): Promise<Charge[]> {
  const res = await fetch(`${server.url}/api/payments/test-processor/charges`, { headers: { authorization: `Bearer ${server.adminToken}` } });
  if (!res.ok) throw new Error(`ledger: ${res.status} ${await res.text()}`);
  const { charges } = (await res.json()) as { charges: Charge[] };
  return sessionId ? charges.filter((c) => c.sessionId === sessionId) : charges;
}

export const succeeded = (charges: Charge[]) => charges.filter((c) => c.status === 'succeeded');

/** The session id the widget shows (part `session-id`) or reflects. */
export async function sessionIdOf(page: Page): Promise<string> {
  await page.waitForFunction(() => {
    const el = document.querySelector('payment-checkout');
    return !!el?.shadowRoot?.querySelector('[part~="session-id"]')?.textContent?.match(/\S/);
  });
  const text = (await part(page, 'session-id').textContent()) ?? '';
  const m = /([A-Za-z0-9_-]{6,})\s*$/.exec(text.trim());
  if (!m) throw new Error(`no session id in "${text}"`);
  return m[1];
}

/** The session as the server has it (admin read). */
export async function session(
  server: Pick<StartedServer, 'url' | 'adminToken'>,
  sessionId: string,
): Promise<{ status: string; attempts: number; orderId: string; interruptions: { reason: string; attempt: number }[] }> {
  const res = await fetch(`${server.url}/api/payments/session/${sessionId}/summary`, { headers: { authorization: `Bearer ${server.adminToken}` } });
  if (!res.ok) throw new Error(`summary: ${res.status} ${await res.text()}`);
  return (await res.json()) as { status: string; attempts: number; orderId: string; interruptions: { reason: string; attempt: number }[] };
}

/**
 * Waits until the server is charging the session (PROCESSING) and its event stream has had time to tell the widget.
 * The widget shows "processing" as soon as Pay is pressed, before the charge has started on the server; only a page
 * that heard the server say so tells it `unload` when it leaves (see CheckoutController.leaving).
 */
export async function untilServerCharging(page: Page, server: Pick<StartedServer, 'url' | 'adminToken'>, sessionId: string): Promise<void> {
  await expect.poll(async () => (await session(server, sessionId)).status, { timeout: 10_000 }).toBe('PROCESSING');
  await page.waitForTimeout(1000); // the status event reaches the page within milliseconds; this leaves room on a loaded machine
}

/** The order as the demo store has it. */
export async function order(baseURL: string, orderId: string): Promise<{ paid: boolean }> {
  return (await (await fetch(`${baseURL}/api/store/orders/${orderId}`)).json()) as { paid: boolean };
}

/**
 * Records what the widget shows (status attribute, attempts and message texts) every 20 ms into sessionStorage, so a
 * test can check a state that lasted a moment, even after the demo page navigated to the confirmation.
 */
export async function recordWidget(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const KEY = 'e2e-trace';
    let last = '';
    setInterval(() => {
      const el = document.querySelector('payment-checkout');
      if (!el) return;
      const text = (part: string) => el.shadowRoot?.querySelector(`[part~="${part}"]`)?.textContent?.trim() ?? '';
      const entry = `${el.getAttribute('status')}|${text('attempts')}|${text('message')}|${el.hasAttribute('queued') ? 'queued' : ''}`;
      if (entry === last) return;
      last = entry;
      const trace = JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as string[];
      trace.push(entry);
      sessionStorage.setItem(KEY, JSON.stringify(trace));
    }, 20);
  });
}

export async function trace(page: Page): Promise<string[]> {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('e2e-trace') ?? '[]') as string[]);
}

/** Charges of every session of an order (the ledger is per session; the summary says which order a session pays). */
export async function chargesForOrder(server: Pick<StartedServer, 'url' | 'adminToken'>, orderId: string): Promise<Charge[]> {
  const all = await ledger(server);
  const sessionIds = [...new Set(all.map((c) => c.sessionId))];
  const orders = await Promise.all(sessionIds.map(async (id) => [id, (await session(server, id)).orderId] as const));
  const ofOrder = new Set(orders.filter(([, o]) => o === orderId).map(([id]) => id));
  return all.filter((c) => ofOrder.has(c.sessionId));
}
