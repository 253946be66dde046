/**
 * What Playwright's `context.setOffline(true)` covers in this Chromium once a service worker controls the page.
 * The answer decides how the other suites simulate a lost network (see sw/README.md): these tests keep the finding true.
 */
import { describe, expect, it } from 'vitest';
import { browserSuite } from './suite.js';
import { waitForWorker } from './support.js';

const run = browserSuite();

/** One POST that the worker intercepts (a session route with a key) and one GET it leaves to the browser. */
async function probe(page: import('playwright-core').Page) {
  return page.evaluate(async () => {
    const out: { post: string; get: string } = { post: '', get: '' };
    try {
      const r = await fetch('/api/payments/session/s_probe/interrupt', {
        method: 'POST',
        headers: { 'Idempotency-Key': `probe-${crypto.randomUUID()}`, 'content-type': 'application/json', authorization: 'Bearer nope' },
        body: '{"reason":"network"}',
      });
      out.post = `${r.status}${r.headers.get('Payment-Queued') ? ' queued' : ''}`;
    } catch (e) {
      out.post = `error ${(e as Error).name}`;
    }
    try {
      out.get = String((await fetch('/healthz', { cache: 'no-store' })).status);
    } catch (e) {
      out.get = `error ${(e as Error).name}`;
    }
    return out;
  });
}

describe('context.setOffline with a controlling service worker', () => {
  it("covers the worker's own fetches, requests it passes through, and navigations (which fall back to the precache)", async () => {
    const { context, page } = await run.open();
    await page.goto('/checkout/ord_probe');
    await page.evaluate(() => navigator.serviceWorker.register('/payment-sw.js'));
    await waitForWorker(page);
    const worker = context.serviceWorkers().find((w) => w.url().endsWith('/payment-sw.js'));
    expect(worker).toBeTruthy();

    // Online: the worker forwards the POST (the server answers it), the GET goes straight to the network.
    const online = await probe(page);
    expect(online.post).toMatch(/^(401|404)$/);
    expect(online.get).toBe('200');

    await context.setOffline(true);
    // The worker's fetch() of the intercepted POST fails, so it is queued; the pass-through GET fails too.
    expect(await probe(page)).toEqual({ post: '503 queued', get: 'error TypeError' });
    // A fetch the worker starts itself is offline as well.
    const fromWorker = await worker!.evaluate(async () => {
      try {
        return String((await fetch('/healthz', { cache: 'no-store' })).status);
      } catch (e) {
        return `error ${(e as Error).name}`;
      }
    });
    expect(fromWorker).toBe('error TypeError');
    // A navigation is offline too: the worker answers /checkout/* from the precached shell.
    await page.reload();
    expect(await page.locator('h1').textContent()).toContain('Checkout');

    await context.setOffline(false);
    expect((await probe(page)).get).toBe('200');
  });
});
