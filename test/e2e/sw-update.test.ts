/**
 * A new worker never takes over in the middle of a payment: it waits while a page says a payment is processing,
 * and activates once none is.
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSuite } from './suite.js';
import { CARDS, chargesForOrder, createOrder, DIST, payWith, succeeded, trace, waitForStatus, waitForWorker } from './support.js';

/** Long enough for the update to be found and refused while the slow card is processing. */
const PAYMENT_TIMEOUT_MS = 6_000;

let staticDir = '';
const run = browserSuite(() => {
  // A copy of the build, so the test can publish a new worker by changing its file (the server reads it per request).
  staticDir = mkdtempSync(join(tmpdir(), 'pc-sw-update-'));
  cpSync(DIST, staticDir, { recursive: true });
  return { env: { STATIC_DIR: staticDir, PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS) } };
});

afterAll(() => {
  if (staticDir) rmSync(staticDir, { recursive: true, force: true });
});

const hasWaitingWorker = `navigator.serviceWorker.getRegistration().then((r) => !!(r && r.waiting))`;
/** The update is the active worker, done activating, and nothing waits behind it. */
const handedOver = `navigator.serviceWorker.getRegistration().then((r) => !!r && !r.waiting && !r.installing && r.active?.state === 'activated')`;

/**
 * What the browser does with the page's requests and the workers from now on (CDP), for the failure message of a
 * navigation that does not reach `load`; and when the browser itself has the update active and the old worker redundant.
 */
async function recordNavigation(context: BrowserContext, page: Page): Promise<{ seen: string[]; handedOver: Promise<void> }> {
  const seen: string[] = [];
  const start = Date.now();
  const note = (line: string) => seen.push(`+${Date.now() - start} ms ${line}`);
  const cdp = await context.newCDPSession(page);
  const versions = new Map<string, string>();
  let done = () => {};
  const handedOver = new Promise<void>((resolve) => (done = resolve));
  cdp.on('Network.requestWillBeSent', (e) => note(`request ${e.requestId} ${e.type ?? ''} ${e.request.method} ${e.request.url}`));
  cdp.on('Network.responseReceived', (e) => note(`response ${e.requestId} ${e.response.status} fromServiceWorker=${e.response.fromServiceWorker}`));
  cdp.on('Network.loadingFinished', (e) => note(`finished ${e.requestId}`));
  cdp.on('Network.loadingFailed', (e) => note(`failed ${e.requestId} ${e.errorText} canceled=${e.canceled}`));
  cdp.on('Page.lifecycleEvent', (e) => note(`lifecycle ${e.name}`));
  cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions) {
      note(`worker version ${v.versionId}: ${v.status}, ${v.runningStatus}`);
      versions.set(v.versionId, v.status);
    }
    const states = [...versions.values()];
    if (states.length > 1 && states.filter((s) => s === 'activated').length === 1 && states.every((s) => s === 'activated' || s === 'redundant')) done();
  });
  await Promise.all([
    cdp.send('Network.enable'),
    cdp.send('Page.enable'),
    cdp.send('Page.setLifecycleEventsEnabled', { enabled: true }),
    cdp.send('ServiceWorker.enable'),
  ]);
  return { seen, handedOver };
}

describe('worker updates', () => {
  // One retry. The navigation after the update took over sometimes never reached `load` (30 s): 1 in 3 and 2 in 8 runs
  // here, and once in CI even after waiting for the handover below, so that wait is not the fix and the cause is not
  // known. It may be a real hang of a shopper's navigation after an update. Not seen in 19 runs in a row without the
  // retry (2 Dec, load 4–24: 6 as it was, 13 with the recorder below), so the navigation now records what the browser
  // did, and the next hang says where it stopped. The page once said 'activated' while Chromium still had the old worker
  // active; the test now also waits for the browser's own handover (10 in a row without the retry, load 2–4). The retry
  // stays until a recorded hang shows the cause.
  it('a new worker waits while a payment is processing, then takes over when none is', { retry: 1 }, async () => {
    const { context, page, logs } = await run.open({ record: true });
    await context.addInitScript(() => {
      navigator.serviceWorker?.addEventListener('controllerchange', () => sessionStorage.setItem('e2e-controllerchange', String(Date.now())));
      document.addEventListener('checkout-complete', () => sessionStorage.setItem('e2e-complete', String(Date.now())), true);
    });
    const orderId = await createOrder(run.server.url);
    await page.goto(`/checkout/${orderId}`);
    await waitForStatus(page, 'initiated');
    await waitForWorker(page);
    await page.evaluate(() => sessionStorage.removeItem('e2e-controllerchange')); // the first install's claim

    await payWith(page, CARDS.slow);
    await waitForStatus(page, 'processing');
    appendFileSync(join(staticDir, 'payment-sw.js'), `\n// update ${Date.now()}\n`);
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
    await page.waitForFunction(hasWaitingWorker, undefined, { timeout: 10_000 });
    // The page told the waiting worker a payment is processing; it must still be waiting a while later.
    await page.waitForTimeout(1_500);
    expect(await page.evaluate(hasWaitingWorker), [...logs, ...(await trace(page))].join('\n')).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('e2e-controllerchange'))).toBeNull();

    await page.waitForURL(`**/orders/${orderId}`, { timeout: 20_000 });
    const completedAt = Number(await page.evaluate(() => sessionStorage.getItem('e2e-complete')));
    const changedAt = Number(await page.evaluate(() => sessionStorage.getItem('e2e-controllerchange')));
    if (changedAt) expect(changedAt, 'the update took over only after the payment completed').toBeGreaterThanOrEqual(completedAt);

    // No payment processing any more: the completing page told the waiting worker, which takes over. The next navigation
    // waits for the handover: an outgoing worker stopped in the middle of a navigation's fetch event was seen once (with
    // DevTools attached, as Playwright attaches to every worker), though a hang was also seen after the handover.
    const { seen, handedOver: browserHandedOver } = await recordNavigation(context, page);
    await page.waitForFunction(handedOver, undefined, { timeout: 10_000 });
    // The page's view is not enough: it has said 'activated' while the browser still listed the update as installed and
    // the old worker as active; the navigation then went to the old worker, which Chromium stopped and restarted mid-load.
    await Promise.race([browserHandedOver, page.waitForTimeout(10_000).then(() => Promise.reject(new Error(`no handover:\n${seen.join('\n')}`)))]);
    const next = await createOrder(run.server.url);
    await page.goto(`/checkout/${next}`, { timeout: 15_000 }).catch((err: Error) => {
      // Printed, not only thrown: when the retry passes, the failed attempt's error is not reported.
      const record = `${err.message}\nwhat the browser saw:\n${seen.join('\n')}\nlogs:\n${logs.join('\n')}`;
      console.log(`--- the navigation after the update did not reach load\n${record}`);
      throw new Error(record);
    });
    await waitForStatus(page, 'initiated');
    await page.waitForFunction(`${hasWaitingWorker}.then((w) => !w)`, undefined, { timeout: 10_000 });
    await waitForWorker(page);
    expect(succeeded(await chargesForOrder(run.server, orderId))).toHaveLength(1);
  });
});
