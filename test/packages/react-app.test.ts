/**
 * A merchant's React 19 page (test/packages/react-app), built the way a merchant builds it: against the installed
 * tarball, type-checked with `tsc` (its `@ts-expect-error` lines prove wrong props are refused), bundled by Vite with
 * @vitejs/plugin-react, served from its own origin and driven in Chromium against a real payment server.
 */
import react from '@vitejs/plugin-react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARDS, payWith } from '../e2e/support.js';
import { cancelSession, heldSession, openShop, streamsOf, text, type Shop } from './shop.js';

let shop: Shop;

beforeAll(async () => {
  shop = await openShop('react-app', ['react', 'react-dom', '@types/react', '@types/react-dom'], [react()]);
});
afterAll(() => shop?.close());

describe('a React 19 page using payment-checkout/react', () => {
  it('type-checks with tsc against the installed types, wrong props refused', () => {
    // Each `@ts-expect-error` in App.tsx must meet an error, or tsc fails with "Unused '@ts-expect-error' directive".
    expect(shop.typecheck()).toBe('');
  });

  it('builds with Vite and @vitejs/plugin-react (in beforeAll): one bundle, the element defined once in it', () => {
    expect(shop.bundle().match(/customElements\.define\(\s*["'`]payment-checkout["'`]/g)).toHaveLength(1);
  });

  it('pays with 4242…: onCheckoutComplete fires, the hook shows COMPLETED, every stream is closed', async () => {
    const { sessionId, clientSecret } = await shop.merchantSession();
    const { page, logs } = await shop.open({ session: sessionId, secret: clientSecret });
    await page.waitForSelector('payment-checkout[status="initiated"]', { state: 'attached', timeout: 20_000 });
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('INITIATED');
    expect(await text(page, '#hook-source')).toBe('sse');
    await payWith(page, CARDS.ok);

    await expect.poll(() => text(page, '#paid'), { timeout: 30_000 }).toMatch(/\S/);
    const held = await heldSession(shop.server, sessionId, clientSecret);
    expect(held.status).toBe('COMPLETED');
    expect(await text(page, '#paid')).toBe(held.paymentId);
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('COMPLETED');
    expect(await text(page, '#hook-source')).toBe('done');
    expect(await text(page, '#events')).toContain(`ready:${sessionId}`);
    expect(await text(page, '#events')).toContain('status:completed');
    await expect.poll(() => streamsOf(page, sessionId)).not.toContain(1);
    expect((await streamsOf(page, sessionId)).every((state) => state === 2)).toBe(true);
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

  it('polls when asked to (live: false) until the status is final, then stops', async () => {
    const { sessionId, clientSecret } = await shop.merchantSession();
    const { page } = await shop.open({ session: sessionId, secret: clientSecret, widget: '0', live: '0', interval: '200' });
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('INITIATED');
    expect(await text(page, '#hook-source')).toBe('polling');
    expect(await streamsOf(page, sessionId)).toEqual([]);
    expect(await cancelSession(shop.server, sessionId, clientSecret)).toBe(200);
    await expect.poll(() => text(page, '#hook-status'), { timeout: 20_000 }).toBe('CANCELLED');
    expect(await text(page, '#hook-source')).toBe('done');
    await page.context().close();
  });

  it('stops polling when the component unmounts: no request after it', async () => {
    const { sessionId, clientSecret } = await shop.merchantSession();
    const { page } = await shop.open({ session: sessionId, secret: clientSecret, widget: '0', live: '0', interval: '100' });
    let polls = 0;
    page.on('request', (r) => r.url().includes(`/session/${sessionId}`) && r.method() === 'GET' && polls++);
    await expect.poll(() => polls, { timeout: 20_000 }).toBeGreaterThan(2);
    await page.click('#stop-watching');
    await expect.poll(() => page.locator('#hook-status').count()).toBe(0);
    const atUnmount = polls;
    await page.waitForTimeout(1_000); // ten intervals: any timer left behind would have fired
    expect(polls).toBe(atUnmount);
    await page.context().close();
  });

  it('falls back from the stream to polling, and stops with the error when the secret is wrong', async () => {
    const { sessionId } = await shop.merchantSession();
    const { page } = await shop.open({ session: sessionId, secret: 'wrong-secret', widget: '0', interval: '100' });
    await expect.poll(() => text(page, '#hook-source'), { timeout: 20_000 }).toBe('stopped');
    expect(await text(page, '#hook-error')).toBe('session_not_found');
    expect(await text(page, '#hook-status')).toBe('none');
    expect((await streamsOf(page, sessionId)).every((state) => state === 2)).toBe(true);
    await page.context().close();
  });
});
