/**
 * A merchant page on another origin embeds the widget from the payment server, without the service worker
 * (a worker can only be registered by its own origin): the widget alone keeps its state in IndexedDB.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { StartedServer } from '../support/server.js';
import { CARDS, chargesForOrder, createOrder, DIST, ensureBuilt, launch, openContext, payWith, sessionIdOf, startE2EServer, waitForStatus } from './support.js';

let server: StartedServer;
let browser: Browser;
let merchant: Server;
let merchantOrigin: string;
let orderId = '';

/**
 * The merchant's own site, on another port (another origin): its checkout page, and the widget bundle self-hosted
 * (loading it from the payment server needs CORS on /payment-checkout.js, see the last test).
 */
function merchantPage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Merchant</title>
    <script type="module" src="/shop/payment-checkout.js"></script></head>
    <body><h1>Merchant checkout</h1>
    <payment-checkout api="${server.url}/api/payments" order-id="${orderId}"></payment-checkout>
    <script>document.addEventListener('checkout-complete', (e) => { document.body.dataset.paid = e.detail.paymentId || 'yes'; });</script>
    </body></html>`;
}

beforeAll(async () => {
  ensureBuilt();
  merchant = createServer((req, res) => {
    if (req.url === '/shop/checkout') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(merchantPage());
    else if (req.url === '/shop/payment-checkout.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(DIST, 'payment-checkout.js')));
    else res.writeHead(404).end();
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

describe('merchant page on another origin', () => {
  it('pays with the widget alone, and a reload restores the same session from IndexedDB', async () => {
    orderId = await createOrder(server.url);
    const { context, page, logs } = await openContext(browser, merchantOrigin);
    try {
      await page.goto('/shop/checkout');
      await waitForStatus(page, 'initiated').catch(async (err) => {
        throw new Error(`${(err as Error).message}\nstatus=${await page.getAttribute('payment-checkout', 'status')}\n${logs.join('\n')}`);
      });
      const sessionId = await sessionIdOf(page);
      await page.reload();
      await waitForStatus(page, 'initiated');
      expect(await sessionIdOf(page)).toBe(sessionId);

      await payWith(page, CARDS.ok);
      await page.waitForSelector('body[data-paid]', { timeout: 20_000 });
      await waitForStatus(page, 'completed');
      expect(await page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length))).toBe(0);
      const charges = await chargesForOrder(server, orderId);
      expect(charges, logs.join('\n')).toHaveLength(1);
      expect(charges[0]).toMatchObject({ sessionId, status: 'succeeded' });
    } finally {
      await context.close();
    }
  });

  it('can load the widget bundle from the payment server (a module script from another origin needs CORS)', async () => {
    const res = await fetch(`${server.url}/payment-checkout.js`, { headers: { origin: merchantOrigin } });
    expect(res.status).toBe(200);
    const allowed = res.headers.get('access-control-allow-origin');
    expect(allowed === '*' || allowed === merchantOrigin, `Access-Control-Allow-Origin on /payment-checkout.js: ${allowed}`).toBe(true);
  });
});
