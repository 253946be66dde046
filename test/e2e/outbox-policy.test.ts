/**
 * The outbox's policy in the real worker: a replay answered 5xx or 429 stays queued and is sent again with the same
 * Idempotency-Key (Workbox's background sync would have dropped it), and the payment still completes by itself.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite } from './suite.js';
import { CARDS, chargesForOrder, createOrder, payWith } from './support.js';

const run = browserSuite();

describe('outbox replay in the worker', () => {
  it('keeps a queued payment through 503 and 429 answers, resends it with its key, and completes once', async () => {
    const orderId = await createOrder(run.server.url);
    const { context, page, logs } = await run.openCheckout(orderId, { worker: true });
    await context.route('**/api/payments/test-processor/tokens', async (route) => {
      const response = await route.fetch();
      await context.setOffline(true);
      await route.fulfill({ response });
    });
    // What reaches /complete: the first two replays get a 503 and a 429 (as from a proxy), the third the server.
    const keys: string[] = [];
    let networkBack = false; // before that, requests go on (and fail: the browser is offline)
    const fake = [
      { status: 503, body: { error: { code: 'storage_unavailable', message: 'down' } } },
      { status: 429, body: { error: { code: 'rate_limited', message: 'slow down' } }, headers: { 'retry-after': '1' } },
    ];
    await context.route('**/api/payments/session/*/complete', async (route) => {
      keys.push((await route.request().headerValue('idempotency-key')) ?? '');
      const next = networkBack ? fake.shift() : undefined;
      if (!next) return route.continue();
      await route.fulfill({ status: next.status, contentType: 'application/json', headers: next.headers, body: JSON.stringify(next.body) });
    });
    await payWith(page, CARDS.ok);
    await page.waitForSelector('payment-checkout[queued]', { state: 'attached', timeout: 15_000 });
    networkBack = true;
    await context.setOffline(false);
    await page.waitForURL(`**/orders/${orderId}`, { timeout: 20_000 });
    expect(keys.length, logs.join('\n')).toBeGreaterThanOrEqual(3);
    expect(new Set(keys).size, `one key for every send: ${keys.join(', ')}`).toBe(1);
    const charges = await chargesForOrder(run.server, orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ status: 'succeeded' });
    expect(logs.some((l) => l.includes('stays in the outbox: server answered 503'))).toBe(true);
  });
});
