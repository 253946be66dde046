/**
 * The pages under their own Content-Security-Policy in Chromium, with no CSP violation reported (the
 * `securitypolicyviolation` event and the console): the storefront, the checkout (a payment through the widget with the
 * service worker on), the confirmation, and the admin dashboard signed in. And the widget on a merchant's page under a
 * strict CSP of the merchant's own (no inline styles or scripts allowed at all): it renders and pays.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite } from './suite.js';
import { CARDS, createOrder, payWith, startMerchantSite, waitForStatus, waitForWorker, type MerchantSite } from './support.js';

const MERCHANT_CSP = (pay: string) =>
  `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${pay}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

let merchant: MerchantSite | undefined;
const run = browserSuite(async () => {
  merchant = await startMerchantSite({
    '/shop/checkout': (url) => ({
      headers: { 'content-security-policy': MERCHANT_CSP(run.server.url) },
      html:
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Merchant</title><link rel="icon" href="data:,">` +
        `<script type="module" src="/shop/payment-checkout.js"></script></head><body><h1>Merchant</h1>` +
        `<payment-checkout api="${run.server.url}/api/payments" order-id="${url.searchParams.get('order') ?? ''}"></payment-checkout></body></html>`,
    }),
  });
  return { env: { ALLOWED_ORIGINS: merchant.origin } };
});

afterAll(() => merchant?.close());

/** A context whose pages record every CSP violation (event and console) into `violations`. */
async function watched(on: string) {
  const { context, page } = await run.open({ on });
  const violations: string[] = [];
  await context.exposeBinding('__cspViolation', (_src, text: string) => void violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __cspViolation(t: string): void }).__cspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
      ),
    );
  });
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
    const { page, violations } = await watched(run.server.url);
    const res = await page.goto('/');
    expect(res!.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await page.locator('main').first().waitFor();
    await settle(page);
    await page.goto('/cart');
    await settle(page);
    expect(violations).toEqual([]);
  });

  it('checkout: the widget with its service worker pays, and the confirmation page shows; no violation', async () => {
    const orderId = await createOrder(run.server.url);
    const { page, violations } = await watched(run.server.url);
    const res = await page.goto(`/checkout/${orderId}`);
    expect(res!.headers()['content-security-policy']).toMatch(/'sha256-/);
    await waitForStatus(page, 'initiated');
    await waitForWorker(page);
    await payWith(page, CARDS.ok);
    await page.waitForURL(`**/orders/${orderId}`, { timeout: 20_000 });
    await settle(page);
    expect(violations).toEqual([]);
  });

  it('admin: signed in, the dashboard lists sessions; no violation', async () => {
    const { page, violations } = await watched(run.server.url);
    await page.goto('/admin');
    await page.getByLabel('Admin token').fill(run.server.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('table.sessions, .table-empty').first().waitFor({ timeout: 15_000 });
    await settle(page);
    expect(violations).toEqual([]);
  });
});

describe("the widget under a merchant's strict CSP", () => {
  it('renders, styled by adopted stylesheets, and pays; no violation', async () => {
    const orderId = await createOrder(run.server.url);
    const { page, violations } = await watched(merchant!.origin);
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
  });
});
