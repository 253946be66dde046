/**
 * A third party's client, generated from the served document (`api.d.ts`, openapi-typescript) and called with
 * openapi-fetch: the checkout flow create → get → tokenize → complete. openapi-tools.test.ts type-checks this file on its
 * own (a wrong path, field or status here fails that test) and runs it against a real server.
 */
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { components, paths } from './api.js';

type Session = components['schemas']['Session'];

export interface FlowResult {
  created: components['schemas']['CreatedSession'];
  read: Session;
  token: components['schemas']['CardToken'];
  completed: { status: 'COMPLETED'; paymentId: string; processingTimeMs: number };
  replayed: string | null;
  after: Session;
}

/** An order of the demo shop, through the same client (its paths are served under `/api/store`). */
export async function shopOrder(origin: string): Promise<string> {
  const shop = createClient<paths>({ baseUrl: `${origin}/api/store` });
  const products = await shop.GET('/products');
  const first = products.data?.products[0];
  if (!first) throw new Error(`products: ${products.response.status}`);
  const order = await shop.POST('/orders', { body: { items: [{ productId: first.productId, quantity: 1 }] } });
  if (!order.data) throw new Error(`orders: ${order.response.status} ${order.error?.error.code}`);
  return order.data.orderId;
}

/** `origin`: the server's http://host:port; `orderId`: an order of the demo shop. */
export async function checkoutFlow(origin: string, orderId: string, cardNumber: string): Promise<FlowResult> {
  const api = createClient<paths>({ baseUrl: `${origin}/api/payments` });

  const create = await api.POST('/session/create', { body: { orderId }, params: { header: { 'idempotency-key': randomUUID() } } });
  if (!create.data) throw new Error(`create: ${create.response.status} ${create.error?.error.code}`);
  const created = create.data;
  const auth = { Authorization: `Bearer ${created.clientSecret}` };

  const get = await api.GET('/session/{sessionId}', { params: { path: { sessionId: created.sessionId } }, headers: auth });
  if (!get.data) throw new Error(`get: ${get.response.status} ${get.error?.error.code}`);

  const tokenKey = randomUUID();
  const card = { number: cardNumber, expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: '123' };
  const tokenize = await api.POST('/test-processor/tokens', { body: { card }, params: { header: { 'idempotency-key': tokenKey } } });
  if (!tokenize.data) throw new Error(`tokens: ${tokenize.response.status} ${tokenize.error?.error.code}`);

  const key = randomUUID();
  const complete = () =>
    api.POST('/session/{sessionId}/complete', {
      params: { path: { sessionId: created.sessionId }, header: { 'idempotency-key': key } },
      body: { paymentMethod: { token: tokenize.data.token } },
      headers: auth,
    });
  const paid = await complete();
  if (paid.response.status !== 200 || !paid.data || paid.data.status !== 'COMPLETED') {
    throw new Error(`complete: ${paid.response.status} ${paid.error?.error.code}`);
  }
  const again = await complete();

  const after = await api.GET('/session/{sessionId}', { params: { path: { sessionId: created.sessionId } }, headers: auth });
  if (!after.data) throw new Error(`get after: ${after.response.status}`);
  return {
    created,
    read: get.data,
    token: tokenize.data,
    completed: paid.data,
    replayed: again.response.headers.get('Idempotent-Replayed'),
    after: after.data,
  };
}
