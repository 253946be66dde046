/** Drives the store and payment APIs straight from Node, to give the dashboard sessions in every state. */

async function call(base: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(base + path, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

export async function createOrder(base: string, items = [{ productId: 'prod_mug', quantity: 1 }]) {
  const r = await call(base, '/api/store/orders', { method: 'POST', body: { items } });
  if (r.status !== 201) throw new Error(`create order: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { orderId: string; amount: number; currency: string };
}

let keys = 0;
const key = () => `demo-test-${Date.now()}-${keys++}`;

/**
 * One session for a new order: each card in `cards` is tried in turn (resuming after a decline), then an optional
 * interrupt. Returns the session id.
 */
export async function sessionFlow(base: string, cards: string[], opts: { interrupt?: string; cancel?: boolean } = {}): Promise<string> {
  const order = await createOrder(base);
  const created = await call(base, '/api/payments/session/create', { method: 'POST', body: { orderId: order.orderId }, headers: { 'idempotency-key': key() } });
  if (created.status !== 201) throw new Error(`create session: ${created.status} ${JSON.stringify(created.body)}`);
  const { sessionId, clientSecret } = created.body;
  const auth = { authorization: `Bearer ${clientSecret}` };
  for (const [i, number] of cards.entries()) {
    const token = await call(base, '/api/payments/test-processor/tokens', {
      method: 'POST',
      body: { card: { number, expMonth: 12, expYear: 2034, cvc: '123' } },
    });
    const done = await call(base, `/api/payments/session/${sessionId}/complete`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': key() },
      body: { paymentMethod: { token: token.body.token } },
    });
    if (done.status === 402 && i < cards.length - 1) {
      await call(base, `/api/payments/session/${sessionId}/resume`, { method: 'POST', headers: { ...auth, 'idempotency-key': key() }, body: {} });
    }
  }
  if (opts.interrupt) {
    await call(base, `/api/payments/session/${sessionId}/interrupt`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': key() },
      body: { reason: opts.interrupt },
    });
  }
  if (opts.cancel) {
    await call(base, `/api/payments/session/${sessionId}/cancel`, { method: 'POST', headers: { ...auth, 'idempotency-key': key() }, body: { reason: 'user' } });
  }
  return sessionId;
}

/** A spread of sessions: paid, paid after a decline, max retries, declined, interrupted (network, timeout), cancelled, untouched. */
export async function seedSessions(base: string): Promise<void> {
  const ok = '4242424242424242';
  const declined = '4000000000000002';
  await sessionFlow(base, [ok]);
  await sessionFlow(base, [declined, ok]);
  await sessionFlow(base, ['4000000000000119', ok]);
  await sessionFlow(base, [declined, declined, declined]);
  await sessionFlow(base, ['4000000000009995']);
  await sessionFlow(base, [], { interrupt: 'network' });
  await sessionFlow(base, [], { interrupt: 'timeout' });
  await sessionFlow(base, [], { cancel: true });
  await sessionFlow(base, []);
}
