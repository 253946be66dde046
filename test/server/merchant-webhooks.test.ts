/**
 * The example merchant's webhook receiver (examples/merchant): payloads signed by `standardwebhooks`' own `sign` are
 * accepted, anything else is refused, and only a verified `checkout.session.completed` of the right order and amount
 * marks the shop's order paid.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { merchantApp } from '../../examples/merchant/app.js';
import { Orders } from '../../examples/merchant/orders.js';
import { applyEvent, InvalidWebhook, verifyWebhook } from '../../examples/merchant/webhooks.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const quiet = { info: () => {}, warn: () => {} };

function signed(payload: unknown, opts: { secret?: string; at?: Date; id?: string } = {}) {
  const body = JSON.stringify(payload);
  const id = opts.id ?? `msg_${randomBytes(8).toString('hex')}`;
  const at = opts.at ?? new Date();
  const signature = new Webhook(opts.secret ?? SECRET).sign(id, at, body);
  return { body, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature } };
}

function completed(orderId: string, amount: number, over: Record<string, unknown> = {}) {
  return {
    type: 'checkout.session.completed',
    timestamp: new Date().toISOString(),
    data: { sessionId: 'cs_000000000000000000000001', orderId, status: 'COMPLETED', amount, currency: 'EUR', paymentId: 'ch_1', ...over },
  };
}

describe('verifyWebhook', () => {
  it('accepts what standardwebhooks signed with the shared secret', () => {
    const { body, headers } = signed(completed('mord_1', 100));
    expect(verifyWebhook(SECRET, body, headers)).toMatchObject({ type: 'checkout.session.completed', data: { orderId: 'mord_1' } });
  });

  it('refuses a changed body, another secret, a stale timestamp, missing headers and a signed non-event', () => {
    const good = signed(completed('mord_1', 100));
    const cases: [string, Record<string, string>][] = [
      [good.body.replace('100', '1'), good.headers],
      [good.body + ' ', good.headers], // the raw bytes are what is signed: re-serialised JSON would not verify either
      ...[signed(completed('mord_1', 100), { secret: `whsec_${randomBytes(32).toString('base64')}` })].map(
        (s) => [s.body, s.headers] as [string, Record<string, string>],
      ),
      ...[signed(completed('mord_1', 100), { at: new Date(Date.now() - 10 * 60_000) })].map((s) => [s.body, s.headers] as [string, Record<string, string>]),
      [good.body, { 'webhook-id': good.headers['webhook-id'], 'webhook-timestamp': good.headers['webhook-timestamp'] }],
      [good.body, {}],
      ...[signed({ hello: 'world' })].map((s) => [s.body, s.headers] as [string, Record<string, string>]),
    ];
    for (const [body, headers] of cases) expect(() => verifyWebhook(SECRET, body, headers)).toThrow(InvalidWebhook);
  });
});

describe('applyEvent', () => {
  it('marks the order paid only on a completed session of its id, amount and currency, once', () => {
    const orders = new Orders();
    const o = orders.create([{ productId: 'tea', quantity: 2 }]);
    expect(applyEvent(orders, { ...completed(o.orderId, o.amount), type: 'checkout.session.cancelled' })).toBe('ignored');
    expect(applyEvent(orders, completed(o.orderId, o.amount, { status: 'PROCESSING' }))).toBe('not_completed');
    expect(applyEvent(orders, completed(o.orderId, o.amount - 1))).toBe('amount_mismatch');
    expect(applyEvent(orders, completed(o.orderId, o.amount, { currency: 'USD' }))).toBe('amount_mismatch');
    expect(applyEvent(orders, completed('mord_other', o.amount))).toBe('unknown_order');
    expect(orders.get(o.orderId)!.paid).toBeNull();
    expect(applyEvent(orders, completed(o.orderId, o.amount))).toBe('paid');
    expect(applyEvent(orders, completed(o.orderId, o.amount))).toBe('already_paid');
    expect(orders.get(o.orderId)!.paid).toMatchObject({ via: 'webhook', paymentId: 'ch_1' });
  });
});

describe('the receiver route', () => {
  const cfg = { paymentUrl: 'http://127.0.0.1:1', merchantKey: 'k'.repeat(20), orderSigningSecret: 's'.repeat(32), webhookSecret: SECRET };

  it('answers a verified event 200 and marks the order; a forged or unsigned one 401, marking nothing', async () => {
    const orders = new Orders();
    const app = merchantApp(cfg, orders, quiet);
    const o = orders.create([{ productId: 'pot', quantity: 1 }]);
    const post = (body: string, headers: Record<string, string>) =>
      app.request('/webhooks/payments', { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

    const forged = signed(completed(o.orderId, o.amount), { secret: `whsec_${randomBytes(32).toString('base64')}` });
    const r1 = await post(forged.body, forged.headers);
    expect(r1.status).toBe(401);
    expect(await r1.json()).toEqual({ error: { code: 'invalid_signature', message: expect.any(String) } });
    expect((await post(JSON.stringify(completed(o.orderId, o.amount)), {})).status).toBe(401);
    expect(orders.get(o.orderId)!.paid).toBeNull();

    const good = signed(completed(o.orderId, o.amount));
    const r2 = await post(good.body, good.headers);
    expect(r2.status).toBe(200);
    expect(await r2.json()).toEqual({ received: true, outcome: 'paid' });
    expect(((await (await app.request(`/api/orders/${o.orderId}`)).json()) as { paid: boolean }).paid).toBe(true);
  });

  it('refuses a body over 64 KiB', async () => {
    const app = merchantApp(cfg, new Orders(), quiet);
    const r = await app.request('/webhooks/payments', { method: 'POST', body: 'x'.repeat(70_000), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(413);
  });

  it('serves the one-line worker file pointing at the payment server', async () => {
    const r = await merchantApp(cfg, new Orders(), quiet).request('/payment-sw.js');
    expect(r.headers.get('content-type')).toMatch(/javascript/);
    expect(await r.text()).toBe(`importScripts("http://127.0.0.1:1/payment-sw.js");\n`);
  });
});
