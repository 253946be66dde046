/**
 * The six shopper flows of the demo checkout, in Chromium against the real server process, each ending with the
 * test processor's ledger: what the shopper saw must match the money that moved.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite } from './suite.js';
import { CARDS, chargesForOrder, createOrder, fillCard, order, part, payWith, succeeded, trace, waitForStatus, waitForWorker } from './support.js';

/** The server's processor deadline; the slow card (…6975) answers only after it. */
const PAYMENT_TIMEOUT_MS = 3_000;

const run = browserSuite({ env: { PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS) } });

/** A new order's demo checkout, recorded, ready to pay. */
async function openCheckout(query = '') {
  const orderId = await createOrder(run.server.url);
  return { ...(await run.openCheckout(orderId, { query, record: true })), orderId };
}

const onConfirmation = (page: Page, orderId: string) => page.waitForURL(`**/orders/${orderId}`, { timeout: 20_000 });

describe('checkout flows', () => {
  it('normal payment → confirmation page, one charge', async () => {
    const { page, orderId } = await openCheckout();
    await payWith(page, CARDS.ok);
    await onConfirmation(page, orderId);
    expect((await order(run.server.url, orderId)).paid).toBe(true);
    const charges = await chargesForOrder(run.server, orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0].status).toBe('succeeded');
  });

  it('timeout → Retry asks the server → success in the same attempt, no card asked again, one charge', async () => {
    const { page, orderId } = await openCheckout('?timeout=1000');
    await payWith(page, CARDS.slow);
    await waitForStatus(page, 'interrupted', 10_000);
    await expect.poll(() => part(page, 'retry-button').isEnabled()).toBe(true);
    expect(await part(page, 'pay-button').count()).toBe(0);
    expect(await part(page, 'cancel-button').count()).toBe(0);
    await part(page, 'retry-button').click();
    await onConfirmation(page, orderId);
    const seen = await trace(page);
    const afterTimeout = seen.slice(seen.findIndex((s) => s.includes('taking longer')));
    expect(
      afterTimeout.some((s) => /Enter|Ready to pay|Attempt 2/.test(s)),
      seen.join('\n'),
    ).toBe(false);
    const charges = await chargesForOrder(run.server, orderId);
    expect(succeeded(charges)).toHaveLength(1);
    expect(charges).toHaveLength(1);
  });

  it('network loss while paying → message → network back → success by itself, one charge', async () => {
    const { page, context, orderId } = await openCheckout();
    await waitForWorker(page);
    // The network goes away once the card is tokenized, just as the payment request leaves: the worker queues it.
    await context.route('**/api/payments/test-processor/tokens', async (route) => {
      const response = await route.fetch();
      await context.setOffline(true);
      await route.fulfill({ response });
    });
    await payWith(page, CARDS.ok);
    await page.waitForSelector('payment-checkout[offline]', { state: 'attached' });
    await expect.poll(async () => (await part(page, 'message').textContent()) ?? '').toMatch(/offline|connection/i);
    await context.setOffline(false);
    await onConfirmation(page, orderId);
    expect(
      (await trace(page)).some((s) => s.endsWith('|queued')),
      'the payment request waited in the outbox',
    ).toBe(true);
    const charges = await chargesForOrder(run.server, orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0].status).toBe('succeeded');
  });

  it('network lost before Pay → message → network back → success by itself, one charge', async () => {
    const { page, context, orderId } = await openCheckout();
    await fillCard(page, CARDS.ok);
    await context.setOffline(true);
    await part(page, 'pay-button').click();
    await page.waitForSelector('payment-checkout[offline]', { state: 'attached' });
    await expect.poll(async () => (await part(page, 'message').textContent()) ?? '').toMatch(/offline|connection/i);
    await context.setOffline(false);
    await onConfirmation(page, orderId);
    expect(succeeded(await chargesForOrder(run.server, orderId))).toHaveLength(1);
  });

  it('three declines → "Max retries exceeded", a new checkout or Cancel remain, nothing charged', async () => {
    const { page, orderId } = await openCheckout();
    for (let attempt = 1; attempt <= 3; attempt++) {
      if (attempt > 1) {
        await part(page, 'retry-button').click();
        await waitForStatus(page, 'resumed');
        await expect(await part(page, 'attempts').textContent()).toContain(`Attempt ${attempt} of 3`);
      }
      await payWith(page, CARDS.declined);
      await waitForStatus(page, attempt < 3 ? 'interrupted' : 'failed_max_retries');
    }
    expect(await part(page, 'status').textContent()).toContain('Max retries exceeded');
    for (const name of ['pay-button', 'retry-button', 'resume-button']) {
      const button = part(page, name);
      if (await button.count()) expect(await button.isDisabled(), `${name} should not apply`).toBe(true);
    }
    expect(await part(page, 'cancel-button').isEnabled()).toBe(true);
    const charges = await chargesForOrder(run.server, orderId);
    expect(succeeded(charges)).toHaveLength(0);
    expect((await order(run.server.url, orderId)).paid).toBe(false);
  });

  it("leaving while processing → the browser's leave-page dialog; staying lets the payment finish, one charge", async () => {
    const { page, orderId } = await openCheckout();
    await payWith(page, CARDS.slow);
    await waitForStatus(page, 'processing');
    const dialog = new Promise<import('playwright-core').Dialog>((resolve) => page.once('dialog', resolve));
    await page.close({ runBeforeUnload: true });
    const shown = await dialog;
    expect(shown.type()).toBe('beforeunload');
    await shown.dismiss(); // stay on the page
    expect(page.isClosed()).toBe(false);
    await onConfirmation(page, orderId);
    const charges = await chargesForOrder(run.server, orderId);
    expect(succeeded(charges)).toHaveLength(1);
    expect(charges).toHaveLength(1);
  });

  it('Cancel → back to the cart, nothing charged', async () => {
    const { page, orderId } = await openCheckout();
    await part(page, 'cancel-button').click();
    await page.waitForURL('**/cart', { timeout: 10_000 });
    expect(await chargesForOrder(run.server, orderId)).toHaveLength(0);
    expect((await order(run.server.url, orderId)).paid).toBe(false);
  });
});
