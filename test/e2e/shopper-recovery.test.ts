/**
 * What the shopper sees around an interruption (issue 12), in Chromium against the real server process on the demo
 * checkout page: the server gone before Pay and back, offline → reload → online, an order paid on another device.
 * Each ends with the ledger or the buttons a shopper could press.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { StartedServer } from '../support/server.js';
import { CARDS, chargesForOrder, createOrder, ensureBuilt, launch, openContext, order, part, payWith, recordWidget, startE2EServer, succeeded, trace, waitForStatus, waitForWorker } from './support.js';

const ENV = { PAYMENT_TIMEOUT_MS: '3000' };

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

async function openCheckout(on: StartedServer, orderId: string): Promise<{ page: Page; context: BrowserContext }> {
  const opened = await openContext(browser, on.url);
  contexts.push(opened.context);
  logs = opened.logs;
  await recordWidget(opened.context);
  await opened.page.goto(`/checkout/${orderId}`);
  await waitForStatus(opened.page, 'initiated');
  await waitForWorker(opened.page);
  return opened;
}

const message = async (page: Page) => (await part(page, 'message').textContent()) ?? '';
const onConfirmation = (page: Page, orderId: string, timeout = 30_000) => page.waitForURL(`**/orders/${orderId}`, { timeout });

describe('shopper recovery', () => {
  it('server stopped just before Pay (browser online), back 3 s later → confirmation with no click, one charge', async () => {
    const own = await startE2EServer({ env: ENV });
    let back: StartedServer | null = null;
    try {
      const orderId = await createOrder(own.url);
      const { page } = await openCheckout(own, orderId);
      await own.stop();
      await payWith(page, CARDS.ok); // the card cannot even be tokenized: the server is gone
      await expect.poll(() => message(page), { timeout: 15_000 }).toMatch(/cannot be reached.*by itself/);
      expect(await message(page)).not.toMatch(/offline/i);
      expect(await part(page, 'pay-button').count()).toBe(0);
      await new Promise((r) => setTimeout(r, 3_000));
      back = await startE2EServer({ env: ENV, port: own.port, dataDir: own.dataDir });
      await onConfirmation(page, orderId, 60_000); // a loaded machine restarts the server slowly; no click either way
      const charges = await chargesForOrder(back, orderId);
      expect(succeeded(charges)).toHaveLength(1);
      expect(charges).toHaveLength(1);
      expect((await order(back.url, orderId)).paid).toBe(true);
    } finally {
      await back?.stop();
      await own.stop();
      own.cleanup();
    }
  });

  it('server down while the checkout page loads: the queued session create is replayed and shown when it returns, no click', async () => {
    const own = await startE2EServer({ env: ENV });
    let back: StartedServer | null = null;
    try {
      const { page } = await openCheckout(own, await createOrder(own.url)); // installs the worker
      const orderId = await createOrder(own.url);
      await own.stop();
      await page.goto(`/checkout/${orderId}`); // the shell from the worker's precache
      await page.waitForSelector('payment-checkout[offline]', { state: 'attached', timeout: 15_000 });
      expect(await part(page, 'status').textContent()).toBe('Preparing checkout…');
      back = await startE2EServer({ env: ENV, port: own.port, dataDir: own.dataDir });
      await page.waitForSelector('payment-checkout[status="initiated"]:not([offline])', { state: 'attached', timeout: 20_000 });
      await expect.poll(() => message(page)).toBe('Enter your card details to pay.');
      await payWith(page, CARDS.ok);
      await onConfirmation(page, orderId);
      const charges = await chargesForOrder(back, orderId);
      expect(succeeded(charges)).toHaveLength(1);
      expect(charges).toHaveLength(1);
    } finally {
      await back?.stop();
      await own.stop();
      own.cleanup();
    }
  });

  it('offline → reload → online: no stale message, the checkout is payable again, one charge', async () => {
    const orderId = await createOrder(server.url);
    const { page, context } = await openCheckout(server, orderId);
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('payment-checkout[status="initiated"]', { state: 'attached' });
    await context.setOffline(false);
    await expect.poll(() => page.locator('payment-checkout[offline]').count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => message(page), { timeout: 15_000 }).toBe('Enter your card details to pay.');
    await payWith(page, CARDS.ok);
    await onConfirmation(page, orderId);
    expect(succeeded(await chargesForOrder(server, orderId))).toHaveLength(1);
  });

  it('order paid on another device → this page shows a final "already paid" view with no Pay button, and the page is told', async () => {
    const orderId = await createOrder(server.url);
    const here = await openCheckout(server, orderId);
    await here.page.evaluate(() => {
      (window as unknown as { errors: unknown[] }).errors = [];
      document.querySelector('payment-checkout')!.addEventListener('checkout-error', (e) => (window as unknown as { errors: unknown[] }).errors.push((e as CustomEvent).detail));
    });
    const other = await openCheckout(server, orderId);
    await payWith(other.page, CARDS.ok);
    await onConfirmation(other.page, orderId);
    await payWith(here.page, CARDS.ok);
    await waitForStatus(here.page, 'initiated');
    await expect.poll(() => part(here.page, 'status').textContent(), { timeout: 15_000 }).toBe('Order already paid');
    expect(await message(here.page)).toContain('already paid');
    for (const name of ['pay-button', 'retry-button', 'resume-button', 'card-number']) {
      const p = part(here.page, name);
      expect((await p.count()) === 0 || !(await p.isVisible()), name).toBe(true);
    }
    const errors = await here.page.evaluate(() => (window as unknown as { errors: { code: string; retryable: boolean }[] }).errors);
    expect(errors.map((e) => `${e.code}:${e.retryable}`)).toContain('order_already_paid:false');
    expect(succeeded(await chargesForOrder(server, orderId))).toHaveLength(1);
    expect((await trace(here.page)).some((s) => /Ready to pay.*already paid/.test(s))).toBe(false);
  });
});
