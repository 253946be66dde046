/**
 * The pages under their own Content-Security-Policy in Chromium, with no CSP violation reported (the
 * `securitypolicyviolation` event and the console): the storefront, the checkout (a payment through the widget with the
 * service worker on), the confirmation, and the admin dashboard signed in. And the widget on a merchant's page under a
 * strict CSP of the merchant's own (no inline styles or scripts allowed at all): it renders and pays.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { StartedServer } from '../support/server.js';
import { CARDS, createOrder, DIST, ensureBuilt, launch, payWith, startE2EServer, waitForStatus } from './support.js';

let server: StartedServer;
let browser: Browser;
let merchant: Server;
let merchantOrigin: string;

const MERCHANT_CSP = (pay: string) =>
  `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${pay}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

beforeAll(async () => {
  ensureBuilt();
  merchant = createServer((req, res) => {
    if (req.url?.startsWith('/shop/checkout')) {
      const orderId = new URL(req.url, 'http://x').searchParams.get('order') ?? '';
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': MERCHANT_CSP(server.url) })
        .end(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Merchant</title><link rel="icon" href="data:,">` +
            `<script type="module" src="/shop/payment-checkout.js"></script></head><body><h1>Merchant</h1>` +
            `<payment-checkout api="${server.url}/api/payments" order-id="${orderId}"></payment-checkout></body></html>`,
        );
    } else if (req.url === '/shop/payment-checkout.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(DIST, 'payment-checkout.js')));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => merchant.listen(0, '127.0.0.1', r));
  merchantOrigin = `http://127.0.0.1:${(merchant.address() as { port: number }).port}`;
  server = await startE2EServer({ env: { ALLOWED_ORIGINS: merchantOrigin } });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
  await new Promise((r) => merchant?.close(r));
});

/** A context whose pages record every CSP violation (event and console) into `violations`. */
async function watched(baseURL: string): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
  const context = await browser.newContext({ baseURL });
  const violations: string[] = [];
  await context.exposeBinding('__cspViolation', (_src, text: string) => void violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __cspViolation(t: string): void }).__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`),
    );
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => violations.push(`pageerror: ${e.message}`));
  return { context, page, violations };
}

/** Lets late violations (a lazy chunk, a style applied after render) arrive. */
const settle = (page: Page) => page.waitForLoadState('networkidle').then(() => page.waitForTimeout(300));

describe('our pages under their CSP', () => {
  it('storefront and cart: rendered, no violation', async () => {
    const { context, page, violations } = await watched(server.url);
    try {
      const res = await page.goto('/');
      expect(res!.headers()['content-security-policy']).toMatch(/script-src 'self'/);
      await page.locator('main').first().waitFor();
      await settle(page);
      await page.goto('/cart');
      await settle(page);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('checkout: the widget with its service worker pays, and the confirmation page shows; no violation', async () => {
    const orderId = await createOrder(server.url);
    const { context, page, violations } = await watched(server.url);
    try {
      const res = await page.goto(`/checkout/${orderId}`);
      expect(res!.headers()['content-security-policy']).toMatch(/'sha256-/);
      await waitForStatus(page, 'initiated');
      await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated', undefined, { timeout: 15_000 });
      await payWith(page, CARDS.ok);
      await page.waitForURL(`**/orders/${orderId}`, { timeout: 20_000 });
      await settle(page);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('admin: signed in, the dashboard lists sessions; no violation', async () => {
    const { context, page, violations } = await watched(server.url);
    try {
      await page.goto('/admin');
      await page.getByLabel('Admin token').fill(server.adminToken);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('table.sessions, .table-empty').first().waitFor({ timeout: 15_000 });
      await settle(page);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe("the widget under a merchant's strict CSP", () => {
  it('renders, styled by adopted stylesheets, and pays; no violation', async () => {
    const orderId = await createOrder(server.url);
    const { context, page, violations } = await watched(merchantOrigin);
    try {
      await page.goto(`/shop/checkout?order=${orderId}`);
      await waitForStatus(page, 'initiated');
      // Styled: its shadow root has adopted stylesheets and no <style> element of its own.
      const styles = await page.evaluate(() => {
        const root = document.querySelector('payment-checkout')!.shadowRoot!;
        return { adopted: root.adoptedStyleSheets.length, elements: root.querySelectorAll('style').length };
      });
      expect(styles.adopted).toBeGreaterThan(0);
      expect(styles.elements).toBe(0);
      await payWith(page, CARDS.ok);
      await waitForStatus(page, 'completed', 20_000);
      await settle(page);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
