/**
 * The example merchant (examples/merchant) as `npm run example:merchant` runs it: two real processes, the shop on its own
 * origin and the payment server beside it, driven in Chromium. The shop's worker is its one-line shim importing the
 * payment server's payment-sw.js; the shop marks an order paid only on a verified webhook or its own merchant read.
 *
 * Needs, besides this branch: the webhook sender (WEBHOOK_URL/WEBHOOK_SECRET, contract §6) for "paid by the verified
 * webhook", and the widget's `order-token` attribute for the signed-order page.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { ROOT } from '../support/server.js';
import { CARDS, DIST, ensureBuilt, launch, openContext, part, payWith, sessionIdOf, waitForStatus, waitForWorker } from './support.js';

const MERCHANT_KEY = `mk_${randomBytes(18).toString('base64url')}`;
const ADMIN_TOKEN = `adm_${randomBytes(18).toString('base64url')}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

let proc: ChildProcess;
let output = '';
let shop = '';
let pay = '';
let dataDir = '';
let browser: Browser;

interface ShopOrder {
  orderId: string;
  amount: number;
  currency: string;
  paid: boolean;
  paidVia: 'webhook' | 'merchant-read' | null;
}

async function newOrder(): Promise<ShopOrder> {
  const r = await fetch(`${shop}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ productId: 'tea', quantity: 2 }] }),
  });
  expect(r.status).toBe(201);
  return (await r.json()) as ShopOrder;
}
const shopOrder = async (orderId: string) => (await (await fetch(`${shop}/api/orders/${orderId}`)).json()) as ShopOrder;
const merchantRead = async (orderId: string) =>
  (
    (await (await fetch(`${pay}/api/payments/sessions?orderId=${orderId}`, { headers: { authorization: `Bearer ${MERCHANT_KEY}` } })).json()) as {
      sessions: { status: string; sessionId: string }[];
    }
  ).sessions;
const charges = async (sessionId: string) =>
  (
    (await (
      await fetch(`${pay}/api/payments/test-processor/charges?sessionId=${sessionId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json()) as { charges: { status: string }[] }
  ).charges;

beforeAll(async () => {
  ensureBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'pc-example-'));
  proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'examples/merchant/start.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PAYMENT_PORT: '0',
      MERCHANT_PORT: '0',
      DATA_DIR: dataDir,
      EXAMPLE_SERVER: 'source',
      ...(process.env.E2E_STATIC_DIR ? { STATIC_DIR: process.env.E2E_STATIC_DIR } : {}),
      LOG_LEVEL: 'warn',
      ADMIN_TOKEN,
      MERCHANT_API_KEY: MERCHANT_KEY,
      ORDER_SIGNING_SECRET: randomBytes(32).toString('base64url'),
      WEBHOOK_SECRET,
      WEBHOOK_RETRY_BASE_MS: '200',
    },
  });
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`example did not start:\n${output}`)), 30_000);
    proc.stdout!.on('data', () => {
      const s = /example merchant: (http:\/\/\S+)/.exec(output);
      const p = /payment server: +(http:\/\/\S+)/.exec(output);
      if (s && p) {
        [shop, pay] = [s[1], p[1]];
        clearTimeout(timer);
        res();
      }
    });
    proc.once('exit', (code) => rej(new Error(`example exited with ${code}:\n${output}`)));
  });
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Waits for the widget to take the shopper back to the shop's order page (its checkout-complete listener). */
async function backOnOrderPage(page: Page, orderId: string): Promise<void> {
  await page.waitForURL(`${shop}/orders/${orderId}`, { timeout: 20_000 });
}

/** Standard Webhooks headers for `signed` (by default the body itself) under `secret` (by default the shared one). */
function webhookHeaders(id: string, now: Date, signed: string, secret = WEBHOOK_SECRET): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(+now / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, now, signed),
  };
}

/** Pays the order through the shop's webhook receiver, signed with the shared secret (as the payment server would). */
async function paidByWebhook(order: ShopOrder): Promise<void> {
  const body = JSON.stringify({
    type: 'checkout.session.completed',
    timestamp: new Date().toISOString(),
    data: { sessionId: 'cs_dark', orderId: order.orderId, status: 'COMPLETED', amount: order.amount, currency: order.currency, paymentId: 'ch_dark' },
  });
  const r = await fetch(`${shop}/webhooks/payments`, { method: 'POST', headers: webhookHeaders('msg_dark', new Date(), body), body });
  expect(r.status).toBe(200);
}

/** axe-core's violations on the page as it is (open shadow roots included), readably; as test/demo/helpers.ts runs it. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated, not a <script>: the shop's CSP refuses inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    type Result = { violations: { id: string; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] };
    const { violations } = await (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<Result> } }).axe.run(document, {
      resultTypes: ['violations'],
    });
    return violations.map((v) => `${v.id}: ${v.help}\n${v.nodes.map((n) => `   at ${JSON.stringify(n.target)}: ${n.failureSummary ?? ''}`).join('\n')}`);
  });
}

/** An element's background and text colours as relative luminance (WCAG), and the background's alpha. */
async function colours(element: Locator): Promise<{ background: number; alpha: number; text: number }> {
  return element.evaluate((el) => {
    const rgba = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]) =>
      [r, g, b]
        .map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4))
        .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    const style = getComputedStyle(el);
    const bg = rgba(style.backgroundColor);
    return { background: luminance(bg), alpha: bg[3] ?? 1, text: luminance(rgba(style.color)) };
  });
}

describe('the example merchant on its own origin', () => {
  it('prints both URLs, on two origins', () => {
    expect(new URL(shop).origin).not.toBe(new URL(pay).origin);
  });

  it("server-to-server page: the worker shim runs the payment server's worker; pay → the order is paid only once the payment server confirms it", async () => {
    const order = await newOrder();
    const { context, page, logs } = await openContext(browser, shop);
    try {
      await page.goto(`/orders/${order.orderId}/pay-server`);
      await waitForStatus(page, 'initiated').catch(async (err) => {
        throw new Error(`${(err as Error).message}\n${logs.join('\n')}\n${output}`);
      });
      await waitForWorker(page);
      // The worker is the shop's own file, scoped to the shop, and it precached the widget from the payment server.
      const worker = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.getRegistration();
        const urls: string[] = [];
        for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(req.url);
        return { script: reg?.active?.scriptURL, scope: reg?.scope, urls };
      });
      expect(worker.script).toBe(`${shop}/payment-sw.js`);
      expect(worker.scope).toBe(`${shop}/`);
      expect(
        worker.urls.some((u) => u.startsWith(`${pay}/payment-checkout.js`)),
        JSON.stringify(worker.urls),
      ).toBe(true);
      expect(
        worker.urls.some((u) => /\/payment-checkout-sw-bridge\.[\w-]+\.js/.test(u) && u.startsWith(pay)),
        JSON.stringify(worker.urls),
      ).toBe(true);
      expect(
        worker.urls.some((u) => u.includes('/demo/')),
        "the payment server's demo page is not the shop's",
      ).toBe(false);
      expect(
        logs.filter((l) => /sw error|Failed to register|bad-precaching/i.test(l)),
        logs.join('\n'),
      ).toEqual([]);

      const sessionId = await sessionIdOf(page);
      expect((await shopOrder(order.orderId)).paid).toBe(false);
      await payWith(page, CARDS.ok);
      await backOnOrderPage(page, order.orderId);
      expect((await charges(sessionId)).filter((c) => c.status === 'succeeded')).toHaveLength(1);
      // The shop learns it from the payment server: the webhook, or, asked now, its own merchant read.
      await page.click('#check').catch(() => {}); // gone already when the webhook came first
      await expect.poll(async () => (await shopOrder(order.orderId)).paid, { timeout: 15_000 }).toBe(true);
      await page.goto(`/orders/${order.orderId}`);
      expect(await page.getAttribute('#order-status', 'data-paid')).toBe('true');
    } finally {
      await context.close();
    }
  });

  it('a payment queued by the imported worker while offline reaches the payment server on the other origin', async () => {
    const order = await newOrder();
    const { context, page, logs } = await openContext(browser, shop);
    try {
      await page.goto(`/orders/${order.orderId}/pay-server`);
      await waitForStatus(page, 'initiated');
      await waitForWorker(page);
      // Tokenising reaches the server; the network goes away before /complete leaves, so the worker must queue it.
      await context.route(`${pay}/api/payments/test-processor/tokens`, async (route) => {
        const response = await route.fetch();
        await context.setOffline(true);
        await route.fulfill({ response });
      });
      await payWith(page, CARDS.ok);
      await page.waitForSelector('payment-checkout[queued]', { state: 'attached', timeout: 15_000 }).catch((err: Error) => {
        throw new Error(`${err.message}\n${logs.join('\n')}`);
      });
      await context.setOffline(false);
      await backOnOrderPage(page, order.orderId);
      const sessions = await merchantRead(order.orderId);
      expect(sessions.map((s) => s.status)).toEqual(['COMPLETED']);
      expect((await charges(sessions[0].sessionId)).filter((c) => c.status === 'succeeded')).toHaveLength(1);
    } finally {
      await context.setOffline(false);
      await context.close();
    }
  });

  it("signed-order page: pay → the shop's order is paid by the verified webhook", async () => {
    const order = await newOrder();
    const { context, page, logs } = await openContext(browser, shop);
    try {
      await page.goto(`/orders/${order.orderId}/pay`);
      await waitForStatus(page, 'initiated').catch(async (err) => {
        throw new Error(`${(err as Error).message} (needs the widget's order-token)\n${logs.join('\n')}`);
      });
      expect((await shopOrder(order.orderId)).paid).toBe(false);
      await payWith(page, CARDS.ok);
      await backOnOrderPage(page, order.orderId);
      // No click, no read: only the webhook can pay it now.
      await expect
        .poll(async () => (await shopOrder(order.orderId)).paidVia, { timeout: 20_000, message: `needs the webhook sender\n${output}` })
        .toBe('webhook');
      await page.waitForSelector('#order-status[data-paid="true"]', { timeout: 10_000 }); // the page follows the shop's records
      const sessions = await merchantRead(order.orderId);
      expect(sessions.filter((s) => s.status === 'COMPLETED')).toHaveLength(1);
    } finally {
      await context.close();
    }
  });

  it('a checkout-complete forged on the page does not mark the order paid', async () => {
    const order = await newOrder();
    const { context, page } = await openContext(browser, shop);
    try {
      await page.goto(`/orders/${order.orderId}/pay-server`);
      await waitForStatus(page, 'initiated');
      await page.evaluate(() => {
        const el = document.querySelector('payment-checkout')!;
        el.dispatchEvent(
          new CustomEvent('checkout-complete', {
            bubbles: true,
            composed: true,
            detail: { sessionId: 'cs_forged', orderId: 'ord_FORGED', paymentId: 'ch_forged' },
          }),
        );
      });
      // The page moves on to the shop's own order (not the forged id) and says what the shop's records say.
      await backOnOrderPage(page, order.orderId);
      expect(await page.getAttribute('#order-status', 'data-paid')).toBe('false');
      await page.click('#check');
      expect(await page.getAttribute('#order-status', 'data-paid')).toBe('false');
      expect((await shopOrder(order.orderId)).paid).toBe(false);
      expect((await merchantRead(order.orderId)).map((s) => s.status)).toEqual(['INITIATED']);
    } finally {
      await context.close();
    }
  });

  it('a forged or unsigned webhook is refused and marks nothing', async () => {
    const order = await newOrder();
    const body = JSON.stringify({
      type: 'checkout.session.completed',
      timestamp: new Date().toISOString(),
      data: { sessionId: 'cs_forged', orderId: order.orderId, status: 'COMPLETED', amount: order.amount, currency: order.currency },
    });
    const now = new Date();
    const attempts: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      webhookHeaders('msg_1', now, body, `whsec_${randomBytes(32).toString('base64')}`), // a forger's secret
      // The right secret over another body: a signature does not carry over.
      webhookHeaders('msg_2', now, '{}'),
    ];
    for (const headers of attempts) {
      const r = await fetch(`${shop}/webhooks/payments`, { method: 'POST', headers, body });
      expect([400, 401]).toContain(r.status);
    }
    expect((await shopOrder(order.orderId)).paid).toBe(false);
    // The same event signed with the shared secret is believed — the receiver is not simply closed.
    const r = await fetch(`${shop}/webhooks/payments`, { method: 'POST', headers: webhookHeaders('msg_3', now, body), body });
    expect(r.status).toBe(200);
    expect((await shopOrder(order.orderId)).paidVia).toBe('webhook');
  });

  it('in a dark colour scheme the shop is dark (its body, the widget on it) and axe finds nothing on any page', async () => {
    const order = await newOrder();
    const { context, page } = await openContext(browser, shop, { colorScheme: 'dark', reducedMotion: 'reduce' });
    try {
      const check = async (what: string) => {
        const body = await colours(page.locator('body'));
        expect(body.alpha, `${what}: the body has its own background`).toBe(1);
        expect(body.background, `${what}: the background is dark`).toBeLessThan(0.05);
        expect(body.text, `${what}: the text is light`).toBeGreaterThan(0.6);
        expect(await axeViolations(page), what).toEqual([]);
      };
      await page.goto('/');
      await check('the catalogue');
      await page.goto(`/orders/${order.orderId}`);
      await check('the unpaid order');
      await page.goto(`/orders/${order.orderId}/pay-server`);
      await waitForStatus(page, 'initiated');
      // The widget follows the page's scheme by itself: its form is dark too.
      const form = await colours(part(page, 'form'));
      expect(form.background, 'the widget is dark').toBeLessThan(0.05);
      expect(form.text, "the widget's text is light").toBeGreaterThan(0.6);
      await check('the checkout page');
      await payWith(page, CARDS.declined);
      await waitForStatus(page, 'interrupted');
      await check('the checkout page after a decline');
      await paidByWebhook(order);
      await page.goto(`/orders/${order.orderId}`);
      expect(await page.getAttribute('#order-status', 'data-paid')).toBe('true');
      await check('the paid order');
    } finally {
      await context.close();
    }
  });

  it('the payment server serves payment-sw.js for a cross-origin importScripts', async () => {
    const r = await fetch(`${pay}/payment-sw.js`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/javascript/);
    expect(r.headers.get('cross-origin-resource-policy') ?? 'cross-origin').toBe('cross-origin');
    expect(DIST).toBeTruthy();
  });
});
