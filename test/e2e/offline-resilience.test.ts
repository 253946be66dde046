/**
 * What the service worker and IndexedDB add: a reload, a dead server, no network and a second tab never cost a second
 * charge, and a payment queued while the server was gone completes by itself when it returns.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite } from './suite.js';
import { CARDS, chargesForOrder, fillCard, createOrder, order, part, payWith, sessionIdOf, succeeded, waitForStatus, watch } from './support.js';

const run = browserSuite({ env: { PAYMENT_TIMEOUT_MS: '3000' } });

/** The demo checkout of `orderId` on `on` (default: the file's server), with the worker in control. */
const openCheckout = (orderId: string, on = run.server) => run.openCheckout(orderId, { on, worker: true });

const onConfirmation = (page: Page, orderId: string, timeout = 20_000) => page.waitForURL(`**/orders/${orderId}`, { timeout });

describe('offline and resilience', () => {
  it('reload mid-payment → the same session comes back and completes, one charge', async () => {
    const orderId = await createOrder(run.server.url);
    const { page } = await openCheckout(orderId);
    await payWith(page, CARDS.slow);
    await waitForStatus(page, 'processing');
    const sessionId = await sessionIdOf(page);
    page.on('dialog', (d) => void d.accept()); // the leave-page warning: leave (reload)
    await page.reload();
    expect(await sessionIdOf(page)).toBe(sessionId);
    await onConfirmation(page, orderId);
    const charges = await chargesForOrder(run.server, orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ sessionId, status: 'succeeded' });
    // Whether leaving told the server `unload` depends on whether the page had heard that the charge started (see
    // CheckoutController.leaving); that it does is checked in merchant-origin.test.ts. Here: no second charge either way.
  });

  it('server stopped → Pay → queued → server back on the same port and data → completes by itself, one charge', async () => {
    await run.withOwnServer(async (own, restart) => {
      const orderId = await createOrder(own.url);
      const { page, context } = await openCheckout(orderId, own);
      // The card is tokenized while the server is up; it goes down before the payment request leaves.
      await context.route('**/api/payments/test-processor/tokens', async (route) => {
        const response = await route.fetch();
        await own.stop();
        await route.fulfill({ response });
      });
      await payWith(page, CARDS.ok);
      await page.waitForSelector('payment-checkout[queued]', { state: 'attached', timeout: 15_000 });
      expect(await order(own.url, orderId).catch(() => 'unreachable')).toBe('unreachable');

      const back = await restart();
      await onConfirmation(page, orderId);
      const charges = await chargesForOrder(back, orderId);
      expect(charges).toHaveLength(1);
      expect(charges[0].status).toBe('succeeded');
      expect((await order(back.url, orderId)).paid).toBe(true);
    });
  });

  it('offline reload → the checkout is shown from the precache with its restored state', async () => {
    const orderId = await createOrder(run.server.url);
    const { page, context } = await openCheckout(orderId);
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

  it('offline while ready (no reload) → told at once, Pay kept → Pay offline waits → network back → completes, one charge', async () => {
    const orderId = await createOrder(run.server.url);
    const { page, context } = await openCheckout(orderId);
    await waitForStatus(page, 'initiated');
    await context.setOffline(true);
    try {
      await page.waitForSelector('payment-checkout[offline]', { state: 'attached', timeout: 5_000 });
      expect(await part(page, 'message').textContent()).toContain('You are offline. You can still enter your card and press Pay');
      expect(await part(page, 'pay-button').isVisible()).toBe(true);
      // The card cannot be tokenized offline (it never goes to the worker's outbox): the payment waits for the network.
      await payWith(page, CARDS.ok);
      await page.waitForFunction(() =>
        /continues by itself/.test(document.querySelector('payment-checkout')?.shadowRoot?.querySelector('[part~="message"]')?.textContent ?? ''),
      );
      expect(await part(page, 'pay-button').count()).toBe(0);
    } finally {
      await context.setOffline(false);
    }
    await onConfirmation(page, orderId);
    const charges = await chargesForOrder(run.server, orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0].status).toBe('succeeded');
  });

  it('offline reload while a payment is queued → still queued after the reload → network back → completes by itself, one charge', async () => {
    const orderId = await createOrder(run.server.url);
    const { page, context } = await openCheckout(orderId);
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
    const charges = await chargesForOrder(run.server, orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0].status).toBe('succeeded');
  });

  it('two tabs paying the same order → one charge, both tabs end completed', async () => {
    const orderId = await createOrder(run.server.url);
    const { page: first, context, logs } = await openCheckout(orderId);
    const second = await context.newPage();
    watch(second, logs);
    await second.goto(`/checkout/${orderId}`);
    await second.waitForSelector('payment-checkout[status]', { state: 'attached' });
    const tabs = [first, second];
    // Each tab that lets the shopper type a card gets one; then both press Pay at once.
    const payable: Page[] = [];
    for (const tab of tabs) {
      if ((await part(tab, 'card-number').count()) > 0 && (await part(tab, 'card-number').isEditable())) {
        await fillCard(tab, CARDS.ok);
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
    const charges = await chargesForOrder(run.server, orderId);
    expect(succeeded(charges)).toHaveLength(1);
  });

  it('two devices (separate browsers) paying the same order → one charge; the other is told it is paid', async () => {
    const orderId = await createOrder(run.server.url);
    const a = await openCheckout(orderId);
    const b = await openCheckout(orderId);
    expect(await sessionIdOf(a.page)).not.toBe(await sessionIdOf(b.page));
    // Both cards are typed before either Pay is pressed: a device that finishes typing after the other's payment
    // went through is rightly told the order is paid and has no Pay button left to press.
    await Promise.all([fillCard(a.page, CARDS.ok), fillCard(b.page, CARDS.ok)]);
    await Promise.all([part(a.page, 'pay-button').click(), part(b.page, 'pay-button').click()]);
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
    const charges = await chargesForOrder(run.server, orderId);
    expect(succeeded(charges)).toHaveLength(1);
    expect((await order(run.server.url, orderId)).paid).toBe(true);
  });
});
