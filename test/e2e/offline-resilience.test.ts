/**
 * What the service worker and IndexedDB add: a reload, a dead server, no network and a second tab never cost a second
 * charge, and a payment queued while the server was gone completes by itself when it returns.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { StartedServer } from '../support/server.js';
import {
  CARDS,
  chargesForOrder,
  createOrder,
  ensureBuilt,
  launch,
  openContext,
  order,
  part,
  payWith,
  sessionIdOf,
  startE2EServer,
  succeeded,
  waitForStatus,
  waitForWorker,
  watch,
} from './support.js';

const PAYMENT_TIMEOUT_MS = 3_000;
const ENV = { PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS) };

let server: StartedServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let logs: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  server = await startE2EServer({ env: ENV });
  browser = await launch();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') console.log(`--- logs of "${ctx.task.name}":\n${logs.join('\n')}`);
  for (const c of contexts.splice(0)) await c.close().catch(() => {});
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
});

async function openCheckout(on: StartedServer, orderId: string, query = ''): Promise<{ page: Page; context: BrowserContext }> {
  const opened = await openContext(browser, on.url);
  contexts.push(opened.context);
  logs = opened.logs;
  await opened.page.goto(`/checkout/${orderId}${query}`);
  await waitForStatus(opened.page, 'initiated');
  await waitForWorker(opened.page);
  return opened;
}

const onConfirmation = (page: Page, orderId: string, timeout = 20_000) => page.waitForURL(`**/orders/${orderId}`, { timeout });

describe('offline and resilience', () => {
  it('reload mid-payment → the same session comes back and completes, one charge', async () => {
    const orderId = await createOrder(server.url);
    const { page } = await openCheckout(server, orderId);
    await payWith(page, CARDS.slow);
    await waitForStatus(page, 'processing');
    const sessionId = await sessionIdOf(page);
    page.on('dialog', (d) => void d.accept()); // the leave-page warning: leave (reload)
    await page.reload();
    expect(await sessionIdOf(page)).toBe(sessionId);
    await onConfirmation(page, orderId);
    const charges = await chargesForOrder(server, orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ sessionId, status: 'succeeded' });
    // Whether leaving told the server `unload` depends on whether the page had heard that the charge started (see
    // CheckoutController.leaving); that it does is checked in merchant-origin.test.ts. Here: no second charge either way.
  });

  it('server stopped → Pay → queued → server back on the same port and data → completes by itself, one charge', async () => {
    const own = await startE2EServer({ env: ENV });
    let back: StartedServer | null = null;
    try {
      const orderId = await createOrder(own.url);
      const { page, context } = await openCheckout(own, orderId);
      // The card is tokenized while the server is up; it goes down before the payment request leaves.
      await context.route('**/api/payments/test-processor/tokens', async (route) => {
        const response = await route.fetch();
        await own.stop();
        await route.fulfill({ response });
      });
      await payWith(page, CARDS.ok);
      await page.waitForSelector('payment-checkout[queued]', { state: 'attached', timeout: 15_000 });
      expect(await order(own.url, orderId).catch(() => 'unreachable')).toBe('unreachable');

      back = await startE2EServer({ env: ENV, port: own.port, dataDir: own.dataDir });
      await onConfirmation(page, orderId);
      const charges = await chargesForOrder(back, orderId);
      expect(charges).toHaveLength(1);
      expect(charges[0].status).toBe('succeeded');
      expect((await order(back.url, orderId)).paid).toBe(true);
    } finally {
      await back?.stop();
      await own.stop();
      own.cleanup();
    }
  });

  it('offline reload → the checkout is shown from the precache with its restored state', async () => {
    const orderId = await createOrder(server.url);
    const { page, context } = await openCheckout(server, orderId);
    const sessionId = await sessionIdOf(page);
    await context.setOffline(true);
    try {
      await page.reload();
      await page.waitForFunction(() => customElements.get('payment-checkout') !== undefined);
      expect(await page.locator('h1').textContent()).toContain('Checkout');
      expect(await sessionIdOf(page)).toBe(sessionId);
      await waitForStatus(page, 'initiated');
    } finally {
      await context.setOffline(false);
    }
  });

  it('offline reload while a payment is queued → still queued after the reload → network back → completes by itself, one charge', async () => {
    const orderId = await createOrder(server.url);
    const { page, context } = await openCheckout(server, orderId);
    await context.route('**/api/payments/test-processor/tokens', async (route) => {
      const response = await route.fetch();
      await context.setOffline(true);
      await route.fulfill({ response });
    });
    await payWith(page, CARDS.ok);
    await page.waitForSelector('payment-checkout[queued]', { state: 'attached', timeout: 15_000 });
    page.on('dialog', (d) => void d.accept());
    await page.reload();
    await page.waitForSelector('payment-checkout[queued]', { state: 'attached', timeout: 15_000 });
    await context.setOffline(false);
    await onConfirmation(page, orderId);
    const charges = await chargesForOrder(server, orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0].status).toBe('succeeded');
  });

  it('two tabs paying the same order → one charge, both tabs end completed', async () => {
    const orderId = await createOrder(server.url);
    const { page: first, context } = await openCheckout(server, orderId);
    const second = await context.newPage();
    watch(second, logs);
    await second.goto(`/checkout/${orderId}`);
    await second.waitForSelector('payment-checkout[status]', { state: 'attached' });
    const tabs = [first, second];
    // Each tab that lets the shopper type a card gets one; then both press Pay at once.
    const payable: Page[] = [];
    for (const tab of tabs) {
      if ((await part(tab, 'card-number').count()) > 0 && (await part(tab, 'card-number').isEditable())) {
        await part(tab, 'card-number').fill(CARDS.ok);
        await part(tab, 'card-expiry').fill('12/34');
        await part(tab, 'card-cvc').fill('123');
        payable.push(tab);
      }
    }
    expect(payable.length).toBeGreaterThan(0);
    // Both press Pay at once: the button where it applies, the element's pay() where it does not (it must not start a second payment).
    await Promise.all(
      tabs.map(async (tab) => {
        const button = part(tab, 'pay-button');
        if (payable.includes(tab) && (await button.isVisible()) && (await button.isEnabled())) return button.click();
        return tab.evaluate(() => (document.querySelector('payment-checkout') as unknown as { pay(): Promise<void> }).pay()).catch(() => {});
      }),
    );
    // Both land on the confirmation page: the demo navigates on checkout-complete, and no leave-page warning of the
    // processing that just ended stops it (the element shows the final view before it emits the event).
    await Promise.all(tabs.map((tab) => onConfirmation(tab, orderId)));
    const charges = await chargesForOrder(server, orderId);
    expect(succeeded(charges)).toHaveLength(1);
  });

  it('two devices (separate browsers) paying the same order → one charge; the other is told it is paid', async () => {
    const orderId = await createOrder(server.url);
    const a = await openCheckout(server, orderId);
    const b = await openCheckout(server, orderId);
    expect(await sessionIdOf(a.page)).not.toBe(await sessionIdOf(b.page));
    await Promise.all([payWith(a.page, CARDS.ok), payWith(b.page, CARDS.ok)]);
    const outcome = (page: Page) =>
      page
        .waitForFunction(
          (id) => {
            if (location.pathname === `/orders/${id}`) return 'paid here';
            const message = document.querySelector('payment-checkout')?.shadowRoot?.querySelector('[part~="message"]')?.textContent ?? '';
            return /already paid/i.test(message) ? 'told already paid' : false;
          },
          orderId,
          { timeout: 20_000 },
        )
        .then((h) => h.jsonValue());
    expect((await Promise.all([outcome(a.page), outcome(b.page)])).sort()).toEqual(['paid here', 'told already paid']);
    const charges = await chargesForOrder(server, orderId);
    expect(succeeded(charges)).toHaveLength(1);
    expect((await order(server.url, orderId)).paid).toBe(true);
  });
});
