/**
 * A checkout left open past its session's lifetime, in Chromium against the real server process with the sweeper far
 * away (as in production, minutes apart): the page says it expired by itself, with the typed card kept, and a new
 * checkout for the order gets the focus where the shopper goes on (Pay).
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite } from './suite.js';
import { CARDS, chargesForOrder, createOrder, fillCard, part, succeeded, waitForStatus } from './support.js';

const TTL_MS = 10_000;
const run = browserSuite({ env: { SESSION_TTL_MS: String(TTL_MS), SWEEP_INTERVAL_MS: '600000' } });

const focusedPart = (page: Page) => page.evaluate(() => document.querySelector('payment-checkout')!.shadowRoot!.activeElement?.getAttribute('part') ?? null);

describe('a checkout left open past its lifetime', () => {
  it('says it expired by itself (no Pay pressed, no sweep), keeps the card, and a new checkout takes the focus to Pay', async () => {
    const orderId = await createOrder(run.server.url);
    const { page } = await run.openCheckout(orderId);
    await fillCard(page, CARDS.ok); // the focus stays in the form, as a shopper who stopped typing leaves it
    await waitForStatus(page, 'expired', TTL_MS + 10_000);
    expect(await part(page, 'status').textContent()).toBe('Checkout expired');
    expect(await part(page, 'pay-button').count()).toBe(0);
    expect(await focusedPart(page)).toBe('restart-button');
    await page.keyboard.press('Enter');
    await waitForStatus(page, 'initiated');
    await expect.poll(() => focusedPart(page)).toBe('pay-button');
    expect(await part(page, 'card-number').inputValue()).toBe(CARDS.ok);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/orders/${orderId}`);
    expect(succeeded(await chargesForOrder(run.server, orderId))).toHaveLength(1);
  });
});
