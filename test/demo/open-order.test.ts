/**
 * A cart keeps its open order (demo/README.md "The cart's open order"), against the real server process in Chromium:
 * Checkout reuses the order while its payment is unconfirmed and the cart says so; a changed cart waits for that payment;
 * once paid the cart is emptied; with nothing in flight a changed cart gets a new order. One charge per cart throughout.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CARDS, chargesForOrder, ledger, part, payWith, succeeded, waitForStatus } from '../e2e/support.js';
import { axeViolations, demoSuite, shoot } from './helpers.js';

/** The server's processor deadline: the slow card's charge stays open (the order `paying`) this long. */
const PAYMENT_TIMEOUT_MS = 30_000;

const run = demoSuite({ env: { PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS), RECONCILE_INTERVAL_MS: '500' } });

const CART = [{ productId: 'prod_mug', quantity: 2 }];

/** A shopper with `CART` in the cart, on /cart (`query` carries on to the checkout). */
async function shopper(query = '') {
  const { context, page } = await run.open();
  // Leaving a checkout mid-payment asks the browser's leave-page question: the shopper leaves.
  page.on('dialog', (d) => void d.accept());
  await page.goto('/');
  await page.evaluate((lines) => localStorage.setItem('demo.cart.v1', JSON.stringify(lines)), CART);
  await page.goto(`/cart${query}`);
  await page.locator('.cart-line').first().waitFor();
  return { context, page };
}

/** Presses Checkout and returns the order id of the checkout page it opens. */
async function checkout(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Checkout' }).click();
  await page.waitForURL(/\/checkout\/ord_/);
  return new URL(page.url()).pathname.split('/')[2];
}

async function backToCart(page: Page): Promise<void> {
  await page.locator('main a[href="/cart"]').click();
  await page.waitForURL('**/cart');
  await page.locator('.cart-line, .empty-state').first().waitFor();
}

const notice = (page: Page) => page.locator('[data-open-order-notice]');

async function orderRead(orderId: string) {
  return (await fetch(`${run.server.url}/api/store/orders/${orderId}`)).json();
}

describe('the cart keeps its open order', () => {
  it('slow card timed out: Back to cart never leads to a second order — the cart says the payment may still go through or that it is paid, and ends emptied with one charge', async () => {
    const { page } = await shopper('?timeout=2000');
    const orderId = await checkout(page);
    await waitForStatus(page, 'initiated');
    await payWith(page, CARDS.slow);
    await waitForStatus(page, 'interrupted', 20_000);

    // The server learns the charge went through when it next looks the charge up (at once, or after its deadline):
    // until then the cart says the payment may still go through, afterwards that the order is paid.
    await backToCart(page);
    await notice(page).waitFor();
    expect(await notice(page).textContent()).toMatch(/not confirmed yet[\s\S]*may still go through|is paid, so your cart was emptied/);
    expect(await notice(page).locator(`a[href="/orders/${orderId}"]`).count()).toBe(1);

    if (await page.getByRole('button', { name: 'Checkout' }).count()) {
      // Checkout goes back to the same order (or, paid meanwhile, stays and says so): never a second order.
      await page.getByRole('button', { name: 'Checkout' }).click();
      await page.waitForFunction(
        (id) => location.pathname === `/checkout/${id}` || /is paid/.test(document.querySelector('[data-open-order-notice]')?.textContent ?? ''),
        orderId,
      );
      if (new URL(page.url()).pathname !== '/cart') expect(new URL(page.url()).pathname).toBe(`/checkout/${orderId}`);
    }
    // The shopper browses on (so it is the cart, not the widget's confirmation, that learns of the payment).
    await page.goto('/');
    await expect.poll(async () => (await orderRead(orderId)).paid, { timeout: PAYMENT_TIMEOUT_MS + 30_000, interval: 500 }).toBe(true);
    await page.goto('/cart');
    await page.locator('.empty-state').waitFor();
    expect(await page.locator('.site-header [data-cart-count]').isHidden()).toBe(true);
    // This is the file's first payment: every charge so far is this order's, and only one succeeded.
    const all = await ledger(run.server);
    expect(all.length).toBeGreaterThan(0);
    expect((await chargesForOrder(run.server, orderId)).length).toBe(all.length);
    expect(succeeded(all)).toHaveLength(1);
  });

  it('a payment in flight when the shopper leaves: the cart says so, reuses the order, and a changed cart gets no new order meanwhile', async () => {
    const { context, page } = await shopper();
    const orderId = await checkout(page);
    await waitForStatus(page, 'initiated');
    // The payment request leaves and never gets its answer while the shopper is on the page.
    await context.route('**/api/payments/session/*/complete', () => {});
    await payWith(page, CARDS.ok);
    await waitForStatus(page, 'processing');
    await backToCart(page);
    await notice(page).waitFor();
    expect(await notice(page).textContent()).toMatch(/not confirmed yet[\s\S]*may still go through/);
    expect(await notice(page).locator(`a[href="/orders/${orderId}"]`).count()).toBe(1);
    await shoot(page, 'cart-payment-unconfirmed');
    expect(await axeViolations(page)).toEqual([]);

    // The cart changes: no new order while the first payment may still go through.
    await page.getByRole('button', { name: 'One more Stoneware Mug' }).click();
    await page.getByRole('button', { name: 'Checkout' }).click();
    await expect.poll(() => notice(page).textContent()).toMatch(/cart has changed since, so it needs a new order/);
    expect(new URL(page.url()).pathname).toBe('/cart');
    await expect.poll(() => page.evaluate(() => document.activeElement?.hasAttribute('data-open-order-notice') ?? false)).toBe(true);
    await shoot(page, 'cart-payment-unconfirmed-changed');
    expect(await axeViolations(page)).toEqual([]);

    // Back to the cart it was: Checkout returns to the same order.
    await page.getByRole('button', { name: 'One fewer Stoneware Mug' }).click();
    expect(await checkout(page)).toBe(orderId);
  });

  it('with nothing in flight: an unchanged cart continues its order (also after a decline), a changed cart gets a new one', async () => {
    const { page } = await shopper();
    const first = await checkout(page);
    await waitForStatus(page, 'initiated');
    await backToCart(page);
    expect(await notice(page).count()).toBe(0);
    expect(await checkout(page)).toBe(first);

    await waitForStatus(page, 'initiated');
    await payWith(page, CARDS.declined);
    await waitForStatus(page, 'interrupted');
    await backToCart(page);
    // A decline is a known outcome: nothing to warn about.
    expect(await notice(page).count()).toBe(0);
    expect(await checkout(page)).toBe(first);

    await backToCart(page);
    await page.getByRole('button', { name: 'One more Stoneware Mug' }).click();
    const second = await checkout(page);
    expect(second).not.toBe(first);
    expect(await orderRead(second)).toMatchObject({ amount: 3 * 1800, paid: false });
  });

  it('Cancel: the cart says the checkout ended unpaid, Back does not bring the cancelled checkout again, and Checkout makes a new order', async () => {
    const { page } = await shopper();
    const first = await checkout(page);
    await waitForStatus(page, 'initiated');
    await part(page, 'cancel-button').click();
    await page.waitForURL('**/cart');
    await notice(page).waitFor();
    expect(await notice(page).textContent()).toMatch(new RegExp(`checkout of order ${first} ended unpaid: nothing was charged`));
    await shoot(page, 'cart-checkout-cancelled');
    expect(await axeViolations(page)).toEqual([]);
    // The checkout gave its place in the history to the cart: Back stays off the cancelled checkout.
    await page.goBack();
    expect(new URL(page.url()).pathname).not.toBe(`/checkout/${first}`);
    await page.goto('/cart');
    const second = await checkout(page);
    expect(second).not.toBe(first);
    expect(await chargesForOrder(run.server, first)).toHaveLength(0);
  });

  it('threw no uncaught errors in any page', () => {
    expect(run.pageErrors).toEqual([]);
  });
});
