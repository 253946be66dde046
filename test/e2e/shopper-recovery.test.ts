/**
 * What the shopper sees around an interruption (issue 12), in Chromium against the real server process on the demo
 * checkout page: the server gone before Pay and back, offline → reload → online, an order paid on another device.
 * Each ends with the ledger or the buttons a shopper could press.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite } from './suite.js';
import { CARDS, chargesForOrder, createOrder, order, part, payWith, succeeded, trace, waitForStatus } from './support.js';

const run = browserSuite({ env: { PAYMENT_TIMEOUT_MS: '3000' } });

/** The demo checkout of `orderId` on `on` (default: the file's server), recorded, with the worker in control. */
const openCheckout = (orderId: string, on = run.server) => run.openCheckout(orderId, { on, record: true, worker: true });

const message = async (page: Page) => (await part(page, 'message').textContent()) ?? '';
const focusedPart = (page: Page) => page.evaluate(() => document.querySelector('payment-checkout')!.shadowRoot!.activeElement?.getAttribute('part') ?? null);
const onConfirmation = (page: Page, orderId: string, timeout = 30_000) => page.waitForURL(`**/orders/${orderId}`, { timeout });

describe('shopper recovery', () => {
  it('server stopped just before Pay (browser online), back 3 s later → confirmation with no click, one charge', async () => {
    await run.withOwnServer(async (own, restart) => {
      const orderId = await createOrder(own.url);
      const { page } = await openCheckout(orderId, own);
      await own.stop();
      await payWith(page, CARDS.ok); // the card cannot even be tokenized: the server is gone
      await expect.poll(() => message(page), { timeout: 15_000 }).toMatch(/cannot be reached.*by itself/);
      expect(await message(page)).not.toMatch(/offline/i);
      expect(await part(page, 'pay-button').count()).toBe(0);
      // Pay went away under the shopper's focus: it moves to Retry, the one way on (not left on the page's body).
      await expect.poll(() => focusedPart(page)).toBe('retry-button');
      await new Promise((r) => setTimeout(r, 3_000));
      const back = await restart();
      await onConfirmation(page, orderId, 60_000); // a loaded machine restarts the server slowly; no click either way
      const charges = await chargesForOrder(back, orderId);
      expect(succeeded(charges)).toHaveLength(1);
      expect(charges).toHaveLength(1);
      expect((await order(back.url, orderId)).paid).toBe(true);
    });
  });

  // With the worker, the request that then fails is kept in its outbox; without it (a merchant page with no `sw`), the
  // live status's polls are what find the server gone.
  for (const worker of [true, false]) {
    it(`server killed while the processor confirms a slow charge (${worker ? 'with' : 'without'} the worker) → says the payment server is away, then completes by itself, one charge`, async () => {
      await run.withOwnServer(async (own, restart) => {
        const orderId = await createOrder(own.url);
        const { page } = worker
          ? await openCheckout(orderId, own)
          : await run.openCheckout(orderId, { on: own, record: true, context: { serviceWorkers: 'block' } });
        await payWith(page, CARDS.slow); // answered 202 after PAYMENT_TIMEOUT_MS: the page waits on the processor
        await expect.poll(() => message(page), { timeout: 15_000 }).toMatch(/payment processor to confirm/);
        await own.kill();
        // The event stream drops and what follows gets no answer: the page says so rather than "Processing" for ever.
        await expect.poll(() => part(page, 'status').textContent(), { timeout: 15_000 }).toBe('Waiting for the payment server…');
        expect(await message(page)).toMatch(/cannot be reached.*by itself/);
        expect(await part(page, 'pay-button').count()).toBe(0);
        const back = await restart();
        await onConfirmation(page, orderId, 60_000);
        const charges = await chargesForOrder(back, orderId);
        expect(charges).toHaveLength(1);
        expect(succeeded(charges)).toHaveLength(1);
        expect((await order(back.url, orderId)).paid).toBe(true);
      });
    });
  }

  it('server down while the checkout page loads: the queued session create is replayed and shown when it returns, no click', async () => {
    await run.withOwnServer(async (own, restart) => {
      const { page } = await openCheckout(await createOrder(own.url), own); // installs the worker
      const orderId = await createOrder(own.url);
      await own.stop();
      await page.goto(`/checkout/${orderId}`); // the shell from the worker's precache
      await page.waitForSelector('payment-checkout[offline]', { state: 'attached', timeout: 15_000 });
      expect(await part(page, 'status').textContent()).toBe('Preparing checkout…');
      const back = await restart();
      await page.waitForSelector('payment-checkout[status="initiated"]:not([offline])', { state: 'attached', timeout: 20_000 });
      await expect.poll(() => message(page)).toBe('Enter your card details to pay.');
      await payWith(page, CARDS.ok);
      await onConfirmation(page, orderId);
      const charges = await chargesForOrder(back, orderId);
      expect(succeeded(charges)).toHaveLength(1);
      expect(charges).toHaveLength(1);
    });
  });

  it('offline → Pay → reload → online: says the payment was not sent (card typed again), no stale "offline", nor "interrupted", one charge', async () => {
    const orderId = await createOrder(run.server.url);
    const { page, context } = await openCheckout(orderId);
    await context.setOffline(true);
    // Pay waits for the connection; leaving then must tell the server nothing (a keepalive request can still get out).
    await payWith(page, CARDS.ok);
    await expect.poll(() => message(page), { timeout: 15_000 }).toMatch(/offline/);
    page.on('dialog', (d) => void d.accept()); // the leave-page warning
    await page.reload();
    await page.waitForSelector('payment-checkout[status="initiated"]', { state: 'attached' });
    // The card went with the page (never stored) and nothing left: the shopper is told, not shown a blank form.
    await expect.poll(() => message(page), { timeout: 15_000 }).toMatch(/^Your payment was not sent.*Enter your card again/);
    await context.setOffline(false);
    await expect.poll(() => page.locator('payment-checkout[offline]').count(), { timeout: 15_000 }).toBe(0);
    expect(await message(page)).toMatch(/^Your payment was not sent/);
    expect(succeeded(await chargesForOrder(run.server, orderId))).toHaveLength(0);
    await payWith(page, CARDS.ok);
    await onConfirmation(page, orderId);
    expect(succeeded(await chargesForOrder(run.server, orderId))).toHaveLength(1);
    expect((await trace(page)).filter((s) => /interrupted/i.test(s))).toEqual([]);
  });

  it('server away → Pay → reload: says the payment was not sent (the offline attribute on), and again once the server is back; Pay → one charge', async () => {
    await run.withOwnServer(async (own, restart) => {
      const orderId = await createOrder(own.url);
      const { page } = await openCheckout(orderId, own);
      await own.stop();
      await payWith(page, CARDS.ok);
      await expect.poll(() => message(page), { timeout: 15_000 }).toMatch(/cannot be reached/);
      page.on('dialog', (d) => void d.accept());
      await page.reload();
      await page.waitForSelector('payment-checkout[offline]', { state: 'attached', timeout: 15_000 });
      await expect.poll(() => message(page), { timeout: 15_000 }).toMatch(/^Your payment was not sent/);
      expect(await part(page, 'pay-button').isEnabled()).toBe(true);
      const back = await restart();
      await page.waitForSelector('payment-checkout[status="initiated"]:not([offline])', { state: 'attached', timeout: 30_000 });
      expect(await message(page)).toMatch(/^Your payment was not sent/);
      expect(await chargesForOrder(back, orderId)).toHaveLength(0);
      await payWith(page, CARDS.ok);
      await onConfirmation(page, orderId);
      expect(succeeded(await chargesForOrder(back, orderId))).toHaveLength(1);
    });
  });

  it('Pay on a second device while the first one charges: says a payment runs elsewhere, no fake "processing", then already paid', async () => {
    const orderId = await createOrder(run.server.url);
    const first = await openCheckout(orderId);
    const second = await openCheckout(orderId);
    await payWith(first.page, CARDS.slow);
    await waitForStatus(first.page, 'processing');
    await payWith(second.page, CARDS.ok);
    await expect.poll(() => message(second.page), { timeout: 15_000 }).toMatch(/under way in another window or on another device/);
    expect(await second.page.getAttribute('payment-checkout', 'status')).toBe('initiated');
    expect(await part(second.page, 'status').textContent()).toBe('Ready to pay');
    await onConfirmation(first.page, orderId, 60_000);
    await expect.poll(() => part(second.page, 'status').textContent(), { timeout: 15_000 }).toBe('Order already paid');
    const charges = await chargesForOrder(run.server, orderId);
    expect(charges).toHaveLength(1); // the first device's: the second's Pay started none
    expect(succeeded(charges)).toHaveLength(1);
    expect((await trace(second.page)).filter((t) => /Processing payment/.test(t))).toEqual([]);
  });

  it('order paid on another device → this page shows a final "already paid" view with no Pay button (no click), and the page is told', async () => {
    const orderId = await createOrder(run.server.url);
    const here = await openCheckout(orderId);
    await here.page.evaluate(() => {
      (window as unknown as { errors: unknown[] }).errors = [];
      document
        .querySelector('payment-checkout')!
        .addEventListener('checkout-error', (e) => (window as unknown as { errors: unknown[] }).errors.push((e as CustomEvent).detail));
    });
    const other = await openCheckout(orderId);
    await payWith(other.page, CARDS.ok);
    await onConfirmation(other.page, orderId);
    // This page learns it from the server (its session is closed, CANCELLED) without Pay being pressed.
    await expect.poll(() => part(here.page, 'status').textContent(), { timeout: 15_000 }).toBe('Order already paid');
    await waitForStatus(here.page, 'cancelled');
    expect(await message(here.page)).toContain('already paid');
    for (const name of ['pay-button', 'retry-button', 'resume-button', 'card-number']) {
      const p = part(here.page, name);
      expect((await p.count()) === 0 || !(await p.isVisible()), name).toBe(true);
    }
    const errors = await here.page.evaluate(() => (window as unknown as { errors: { code: string; retryable: boolean }[] }).errors);
    expect(errors.map((e) => `${e.code}:${e.retryable}`)).toContain('order_already_paid:false');
    expect(succeeded(await chargesForOrder(run.server, orderId))).toHaveLength(1);
    expect((await trace(here.page)).some((s) => /Ready to pay.*already paid/.test(s))).toBe(false);
  });
});
