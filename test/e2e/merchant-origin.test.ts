/**
 * A merchant page on another origin embeds the widget from the payment server, without the service worker
 * (a worker can only be registered by its own origin): the widget alone keeps its state in IndexedDB.
 * The widget is one script tag, self-hosted by the merchant or loaded from the payment server; in the second case the
 * chunk it imports lazily for the `sw` attribute comes from the payment server too (CORS).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { browserSuite } from './suite.js';
import {
  CARDS,
  chargesForOrder,
  createOrder,
  payWith,
  session,
  sessionIdOf,
  part,
  startMerchantSite,
  untilServerCharging,
  waitForStatus,
  type MerchantSite,
} from './support.js';

let merchant: MerchantSite | undefined;
let orderId = '';

/**
 * The merchant's own site, on another port (another origin): its checkout page, and the widget bundle self-hosted
 * (loading it from the payment server needs CORS on /payment-checkout.js, see the last test).
 */
function merchantPage(locale = 'en'): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Merchant</title>
    <script type="module" src="/shop/payment-checkout.js"></script></head>
    <body><h1>Merchant checkout</h1>
    <payment-checkout api="${run.server.url}/api/payments" order-id="${orderId}" locale="${locale}"></payment-checkout>
    <script>document.addEventListener('checkout-complete', (e) => { document.body.dataset.paid = e.detail.paymentId || 'yes'; });</script>
    </body></html>`;
}

/** The same checkout with the widget loaded from the payment server (one script tag), and `sw` set. */
function remoteWidgetPage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Merchant</title>
    <script type="module" src="${run.server.url}/payment-checkout.js"></script></head>
    <body><h1>Merchant checkout</h1>
    <payment-checkout api="${run.server.url}/api/payments" order-id="${orderId}" sw="/shop/payment-sw.js"></payment-checkout>
    </body></html>`;
}

const run = browserSuite(async () => {
  merchant = await startMerchantSite({
    '/shop/checkout': (url) => ({ html: merchantPage(url.searchParams.get('locale') ?? 'en') }),
    '/shop/remote-checkout': () => ({ html: remoteWidgetPage() }),
  });
  // PAYMENT_TIMEOUT_MS 3 s: the slow card (6975) answers after it, so its charge is settled in seconds.
  return { env: { ALLOWED_ORIGINS: merchant.origin, PAYMENT_TIMEOUT_MS: '3000' } };
});

afterAll(() => merchant?.close());

describe('merchant page on another origin', () => {
  it('pays with the widget alone, and a reload restores the same session from IndexedDB', async () => {
    orderId = await createOrder(run.server.url);
    const { page, logs } = await run.open({ on: merchant!.origin });
    await page.goto('/shop/checkout');
    await waitForStatus(page, 'initiated').catch(async (err) => {
      throw new Error(`${(err as Error).message}\nstatus=${await page.getAttribute('payment-checkout', 'status')}\n${logs.join('\n')}`);
    });
    const sessionId = await sessionIdOf(page);
    await page.reload();
    await waitForStatus(page, 'initiated');
    expect(await sessionIdOf(page)).toBe(sessionId);

    await payWith(page, CARDS.ok);
    await page.waitForSelector('body[data-paid]', { timeout: 20_000 });
    await waitForStatus(page, 'completed');
    expect(await page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length))).toBe(0);
    const charges = await chargesForOrder(run.server, orderId);
    expect(charges, logs.join('\n')).toHaveLength(1);
    expect(charges[0]).toMatchObject({ sessionId, status: 'succeeded' });
  });

  it('one script tag from the payment server: the widget renders, loads its bridge chunk from there (CORS), and leaving mid-payment records `unload` cross-origin', async () => {
    orderId = await createOrder(run.server.url);
    const { page, logs } = await run.open({ on: merchant!.origin });
    const chunk = page.waitForResponse((r) => /\/payment-checkout-sw-bridge\.[\w-]+\.js$/.test(r.url()), { timeout: 15_000 });
    await page.goto('/shop/remote-checkout');
    await waitForStatus(page, 'initiated');
    const response = await chunk;
    expect(response.status(), logs.join('\n')).toBe(200);
    expect(new URL(response.url()).origin).toBe(run.server.url);
    expect(
      logs.filter((l) => /import|module|CORS/i.test(l)),
      'no failed module load',
    ).toEqual([]);
    const sessionId = await sessionIdOf(page);

    await payWith(page, CARDS.slow);
    await waitForStatus(page, 'processing');
    await untilServerCharging(page, run.server, sessionId);
    page.on('dialog', (d) => void d.accept()); // the leave-page warning: leave (reload)
    await page.reload();
    // The keepalive /interrupt went out cross-origin with the client secret in Authorization (a CORS preflight).
    await expect.poll(async () => (await session(run.server, sessionId)).interruptions.map((i) => i.reason), { timeout: 10_000 }).toEqual(['unload']);
    expect(await sessionIdOf(page)).toBe(sessionId);
    await waitForStatus(page, 'completed', 30_000);
    const charges = await chargesForOrder(run.server, orderId);
    expect(charges, logs.join('\n')).toHaveLength(1);
    expect(charges[0]).toMatchObject({ sessionId, status: 'succeeded' });
  });

  it("says so when its words cannot be loaded (a self-hosted entry without its files), in the page's language, and goes on by itself once they are there", async () => {
    orderId = await createOrder(run.server.url);
    const { page, logs } = await run.open({ on: merchant!.origin });
    let missing = true;
    await page.route(/\/shop\/payment-checkout-(en|fr)\.[\w-]+\.js$/, (route) => (missing ? route.fulfill({ status: 404, body: '' }) : route.continue()));
    const said = () =>
      page.evaluate(() => {
        const root = document.querySelector('payment-checkout')!.shadowRoot!;
        const text = (p: string) => root.querySelector(`[part~="${p}"]`)?.textContent?.trim() ?? null;
        return { status: text('status'), message: text('message'), pay: text('pay-button'), cancel: text('cancel-button') };
      });
    await page.goto('/shop/checkout?locale=fr');
    // Before: "Préparation du paiement…" for good, whatever the session (it is created: the server answered).
    await page.waitForFunction(() => document.querySelector('payment-checkout')!.shadowRoot!.querySelector('[part~="message"]')?.classList.contains('error'));
    expect(await said(), logs.join('\n')).toEqual({
      status: 'Paiement indisponible',
      message: 'Le paiement n’a pas pu se charger. Rechargez la page.',
      pay: null,
      cancel: null,
    });
    await page.goto('/shop/checkout');
    await page.waitForFunction(() => document.querySelector('payment-checkout')!.shadowRoot!.querySelector('[part~="message"]')?.classList.contains('error'));
    expect(await said()).toEqual({ status: 'Checkout unavailable', message: 'The checkout could not load. Reload the page.', pay: null, cancel: null });
    expect(await part(page, 'card-number').isVisible()).toBe(false);
    // The files are back (a connection regained, the deploy finished): asked for again by itself, no reload.
    missing = false;
    await waitForStatus(page, 'initiated');
    await page.waitForFunction(() => document.querySelector('payment-checkout')!.shadowRoot!.querySelector('[part~="pay-button"]'), undefined, {
      timeout: 10_000,
    });
    expect((await said()).status).toBe('Ready to pay');
    await payWith(page, CARDS.ok);
    await waitForStatus(page, 'completed');
    expect(await chargesForOrder(run.server, orderId)).toHaveLength(1);
  });

  it('can load the widget bundle from the payment server (a module script from another origin needs CORS)', async () => {
    const res = await fetch(`${run.server.url}/payment-checkout.js`, { headers: { origin: merchant!.origin } });
    expect(res.status).toBe(200);
    const allowed = res.headers.get('access-control-allow-origin');
    expect(allowed === '*' || allowed === merchant!.origin, `Access-Control-Allow-Origin on /payment-checkout.js: ${allowed}`).toBe(true);
    // Its lazily loaded chunk: the same CORS, and cached for good (its name carries its content hash).
    const name = /["'](\.\/payment-checkout-sw-bridge\.[\w-]+\.js)["']/.exec(await res.text())?.[1];
    expect(name, 'the entry imports its service-worker bridge chunk by relative path').toBeTruthy();
    const chunk = await fetch(new URL(name!, `${run.server.url}/payment-checkout.js`), { headers: { origin: merchant!.origin } });
    expect(chunk.status).toBe(200);
    expect(chunk.headers.get('access-control-allow-origin')).toBe('*');
    expect(chunk.headers.get('cache-control')).toContain('immutable');
  });
});
