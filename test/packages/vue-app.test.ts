/**
 * A merchant's Vue 3 page (test/packages/vue-app) built with Vite against the installed tarball: `payment-checkout/vue`
 * defines the element and types it in `GlobalComponents` (checked with `tsc`), its `usePaymentStatus` composable follows
 * the session; driven in Chromium against a real payment server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARDS, payWith } from '../e2e/support.js';
import { heldSession, openShop, streamsOf, text, type Shop } from './shop.js';

let shop: Shop;

beforeAll(async () => {
  shop = await openShop('vue-app', ['vue']);
});
afterAll(() => shop?.close());

describe('a Vue 3 page using payment-checkout/vue', () => {
  it('type-checks with tsc: GlobalComponents["payment-checkout"] refuses wrong props', () => {
    expect(shop.typecheck()).toBe('');
  });

  it('pays with 4242…: the checkout-complete listener fires and the composable shows COMPLETED', async () => {
    const { sessionId, clientSecret } = await shop.merchantSession();
    const { page, logs } = await shop.open({ session: sessionId, secret: clientSecret });
    await page.waitForSelector('payment-checkout[status="initiated"]', { state: 'attached', timeout: 20_000 });
    await expect.poll(() => text(page, '#hook-source'), { timeout: 20_000 }).toBe('sse');
    await payWith(page, CARDS.ok);
    await expect.poll(() => text(page, '#paid'), { timeout: 30_000 }).toMatch(/\S/);
    expect(await text(page, '#paid')).toBe((await heldSession(shop.server, sessionId, clientSecret)).paymentId);
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('COMPLETED');
    expect(await text(page, '#hook-source')).toBe('done');
    expect(logs).toEqual([]);
    await page.context().close();
  });

  it('closes its event stream when the component unmounts', async () => {
    const { sessionId, clientSecret } = await shop.merchantSession();
    const { page } = await shop.open({ session: sessionId, secret: clientSecret, widget: '0' });
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('INITIATED');
    expect(await streamsOf(page, sessionId)).toContain(1);
    await page.click('#stop-watching');
    await expect.poll(() => page.locator('#hook-status').count()).toBe(0);
    expect((await streamsOf(page, sessionId)).every((state) => state === 2)).toBe(true);
    await page.context().close();
  });
});
