/**
 * The example merchant's backend (Hono): catalogue → order (priced here) → checkout page (a signed order, or a session
 * it creates server to server) → paid only on a verified webhook or its own merchant read.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { applyEvent, InvalidWebhook, verifyWebhook } from './webhooks.js';
import { CATALOGUE, Orders } from './orders.js';
import { checkoutPage, cataloguePage, messagePage, orderPage, SHOP_JS } from './pages.js';
import { createSession, getSession, orderSessions, signOrder, type PaymentConfig } from './payments.js';

const LIVE = new Set(['INITIATED', 'PROCESSING', 'INTERRUPTED', 'RESUMED']);
const NO_SUCH_ORDER = messagePage('No such order', 'This shop has no order with that id.');

export function merchantApp(cfg: PaymentConfig, orders = new Orders(), log: Pick<Console, 'info' | 'warn'> = console) {
  const app = new Hono();
  const fail = (status: 400 | 401 | 404 | 413 | 502, code: string, message: string) => ({ body: { error: { code, message } }, status });

  app.use('*', async (c, next) => {
    await next();
    if (c.res.headers.get('content-type')?.startsWith('text/html')) {
      c.res.headers.set(
        'Content-Security-Policy',
        `default-src 'self'; script-src 'self' ${cfg.paymentUrl}; connect-src 'self' ${cfg.paymentUrl}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
      );
      c.res.headers.set('Cache-Control', 'no-store');
    }
  });

  app.get('/', (c) => c.html(cataloguePage()));
  // The shop has no icon: an empty answer, so the browser's automatic request is not a 404 in every page's console.
  app.get('/favicon.ico', (c) => c.body(null, 204, { 'Cache-Control': 'max-age=86400' }));
  app.get('/shop.js', (c) => c.body(SHOP_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }));
  // The one-line worker file: a service worker must share the page's origin, so the shop hosts this and the real worker
  // comes from the payment server.
  app.get('/payment-sw.js', (c) =>
    c.body(`importScripts(${JSON.stringify(`${cfg.paymentUrl}/payment-sw.js`)});\n`, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'no-cache',
    }),
  );

  app.post('/orders', bodyLimit({ maxSize: 4096 }), async (c) => {
    const form = await c.req.parseBody();
    const lines = CATALOGUE.map((p) => ({ productId: p.productId, quantity: Number(form[`qty_${p.productId}`] ?? 0) })).filter((l) => l.quantity !== 0);
    try {
      return c.redirect(`/orders/${orders.create(lines).orderId}`, 303);
    } catch (err) {
      return c.html(messagePage('No order', err instanceof RangeError ? 'Choose 1 to 20 of at least one item.' : 'Something went wrong.'), 400);
    }
  });
  // JSON for scripts (and tests): the shop's own record of the order.
  app.post('/api/orders', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { items?: { productId: string; quantity: number }[] } | null;
    try {
      return c.json(orders.create(Array.isArray(body?.items) ? body.items.slice(0, 10) : []), 201);
    } catch (err) {
      const f = fail(400, 'invalid_order', err instanceof RangeError ? err.message : 'invalid order');
      return c.json(f.body, f.status);
    }
  });
  app.get('/api/orders/:orderId', (c) => {
    const order = orders.get(c.req.param('orderId'));
    if (!order) return c.json(fail(404, 'order_not_found', 'No such order.').body, 404);
    const { checkout: _secret, ...view } = order; // the client secret stays on the backend
    return c.json({ ...view, paid: order.paid !== null, paidVia: order.paid?.via ?? null });
  });

  app.get('/orders/:orderId', (c) => {
    const order = orders.get(c.req.param('orderId'));
    return order ? c.html(orderPage(order)) : c.html(NO_SUCH_ORDER, 404);
  });

  // Page 1: the shop signs its order; the widget creates the session from the token (POST /session/create {orderToken}).
  app.get('/orders/:orderId/pay', async (c) => {
    const order = orders.get(c.req.param('orderId'));
    if (!order) return c.html(NO_SUCH_ORDER, 404);
    if (order.paid) return c.redirect(`/orders/${order.orderId}`, 303);
    return c.html(checkoutPage(cfg.paymentUrl, order, { 'order-token': await signOrder(cfg, order) }));
  });

  // Page 2: the shop creates the session server to server with its key and hands the page session id + client secret.
  app.get('/orders/:orderId/pay-server', async (c) => {
    const order = orders.get(c.req.param('orderId'));
    if (!order) return c.html(NO_SUCH_ORDER, 404);
    if (order.paid) return c.redirect(`/orders/${order.orderId}`, 303);
    try {
      const current = order.checkout && (await getSession(cfg, order.checkout.sessionId));
      if (!current || !LIVE.has(current.status)) {
        const created = await createSession(cfg, order);
        order.checkout = { sessionId: created.sessionId, clientSecret: created.clientSecret };
      }
    } catch (err) {
      log.warn(`example-merchant: ${(err as Error).message}`);
      return c.html(orderPage(order, 'The payment server is not reachable right now; try again in a moment.'), 502);
    }
    return c.html(checkoutPage(cfg.paymentUrl, order, { 'session-id': order.checkout!.sessionId, 'client-secret': order.checkout!.clientSecret }));
  });

  // The merchant read: the payment server lists the order's sessions; a COMPLETED one with this amount pays the order.
  app.post('/orders/:orderId/check', async (c) => {
    const order = orders.get(c.req.param('orderId'));
    if (!order) return c.html(NO_SUCH_ORDER, 404);
    let note = 'The payment server has no completed payment for this order yet.';
    try {
      for (const s of await orderSessions(cfg, order.orderId)) if (orders.markPaid(s, 'merchant-read') === 'paid') note = 'Confirmed by the payment server.';
    } catch (err) {
      log.warn(`example-merchant: ${(err as Error).message}`);
      note = 'The payment server is not reachable right now.';
    }
    return c.html(orderPage(order, order.paid ? 'Confirmed by the payment server.' : note));
  });

  // Webhooks: verified over the raw body before anything else is believed.
  app.post(
    '/webhooks/payments',
    bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.json(fail(413, 'payload_too_large', 'Body over 64 KiB.').body, 413) }),
    async (c) => {
      const raw = await c.req.text();
      let event;
      try {
        event = verifyWebhook(cfg.webhookSecret, raw, c.req.header());
      } catch (err) {
        if (!(err instanceof InvalidWebhook)) throw err;
        log.warn(`example-merchant: webhook refused: ${err.message}`);
        return c.json(fail(401, 'invalid_signature', 'The webhook signature did not verify.').body, 401);
      }
      const outcome = applyEvent(orders, event);
      log.info(`example-merchant: ${event.type} for ${event.data.orderId}: ${outcome}`);
      return c.json({ received: true, outcome });
    },
  );

  return app;
}
