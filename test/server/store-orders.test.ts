/**
 * The demo shop's order read (`GET /api/store/orders/:orderId`, demo/README.md "Demo store API"): `paid`, `paying` while a
 * payment's outcome is open, and for a paid order its payment (paymentId, paidAt, brand, last4) as the server recorded it.
 * In-process server, real HTTP, real SQLite file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARDS, call, createOrder, pay, post, waitFor, type Session } from './helpers/api.js';
import { SHORT_PAYMENT_TIMEOUT_MS, startInProcess, type InProcessServer } from './helpers/server.js';

let srv: InProcessServer;
let base: string;

beforeAll(async () => {
  srv = await startInProcess({ PAYMENT_TIMEOUT_MS: SHORT_PAYMENT_TIMEOUT_MS, RECONCILE_INTERVAL_MS: '200' });
  base = srv.url;
});
afterAll(() => srv?.stop());

const readOrder = (orderId: string) => call(base, 'GET', `/api/store/orders/${orderId}`);

async function sessionFor(orderId: string): Promise<Session> {
  const r = await call(base, 'POST', '/session/create', { body: { orderId } });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`);
  return r.body;
}

describe('GET /api/store/orders/:orderId', () => {
  it('a new order is neither paid nor paying, and carries no payment', async () => {
    const order = await createOrder(base);
    const r = await readOrder(order.orderId);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ orderId: order.orderId, paid: false, paying: false });
    expect(r.body).not.toHaveProperty('payment');
  });

  it('a paid order shows the payment: the paymentId /complete answered, when it was confirmed, and the card brand and last4', async () => {
    const order = await createOrder(base);
    const s = await sessionFor(order.orderId);
    const before = Date.now();
    const paid = await pay(base, s, 'success');
    expect(paid.status, paid.text).toBe(200);
    const r = await readOrder(order.orderId);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ paid: true, paying: false });
    expect(r.body.payment).toEqual({ paymentId: paid.body.paymentId, paidAt: expect.any(String), brand: 'visa', last4: '4242' });
    const paidAt = Date.parse(r.body.payment.paidAt);
    expect(paidAt).toBeGreaterThanOrEqual(before - 1000);
    expect(paidAt).toBeLessThanOrEqual(Date.now() + 1000);
    // Nothing of the card beyond brand and last4 in the answer.
    expect(r.text).not.toContain(CARDS.success);
    expect(r.text).not.toMatch(/tok_|"cvc"|"exp/);
  });

  it('a declined payment leaves the order unpaid, not paying, and without a payment', async () => {
    const order = await createOrder(base);
    const s = await sessionFor(order.orderId);
    expect((await pay(base, s, 'declined')).status).toBe(402);
    const r = await readOrder(order.orderId);
    expect(r.body).toMatchObject({ paid: false, paying: false });
    expect(r.body).not.toHaveProperty('payment');
  });

  it('a slow charge whose outcome is open reads paying; once reconciled, paid with the slow card last4', async () => {
    const order = await createOrder(base);
    const s = await sessionFor(order.orderId);
    const answer = pay(base, s, 'slow');
    const during = await waitFor(
      () => readOrder(order.orderId),
      (r) => r.body.paying === true || r.body.paid === true,
      10_000,
      'paying',
    );
    // The charge holds the order from its start until its outcome is settled (never both flags at once).
    expect(during.body.paid).toBe(during.body.paying ? false : true);
    expect((await answer).status).toBe(202);
    const after = await waitFor(
      () => readOrder(order.orderId),
      (r) => r.body.paid === true,
      15_000,
      'paid',
    );
    expect(after.body).toMatchObject({ paid: true, paying: false, payment: { brand: 'visa', last4: '6975' } });
  });

  it('a cancelled session leaves the order unpaid and not paying', async () => {
    const order = await createOrder(base);
    const s = await sessionFor(order.orderId);
    expect((await post(base, s, 'cancel')).status).toBe(200);
    expect((await readOrder(order.orderId)).body).toMatchObject({ paid: false, paying: false });
  });

  it('stores no card number: the SQLite files hold brand and last4 only', async () => {
    const dir = srv.dataDir;
    for (const f of readdirSync(dir).filter((n) => n.startsWith('payments.sqlite'))) {
      const bytes = readFileSync(join(dir, f)).toString('latin1');
      for (const number of Object.values(CARDS)) expect(bytes.includes(number), `${f} holds ${number}`).toBe(false);
    }
  });
});
