/**
 * The shop backend's side of the payment server: signs its orders (HS256, ORDER_SIGNING_SECRET), creates sessions
 * server to server and reads them back with its MERCHANT_API_KEY. Secrets never leave this process except to the
 * payment server; the page gets a signed order, or a session id and its client secret.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Order, PaymentSession } from './orders.js';

export interface PaymentConfig {
  /** The payment server, e.g. http://127.0.0.1:8787 (set once it listens). */
  paymentUrl: string;
  merchantKey: string;
  orderSigningSecret: string;
  webhookSecret: string;
}

/** A signed order for `<payment-checkout order-token>`: the amount and currency the payment server will charge. */
export function signOrder(cfg: PaymentConfig, order: Order, ttlSeconds = 15 * 60): Promise<string> {
  return new SignJWT({ orderId: order.orderId, amount: order.amount, currency: order.currency })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(new TextEncoder().encode(cfg.orderSigningSecret));
}

async function api<T>(cfg: PaymentConfig, method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
  const res = await fetch(`${cfg.paymentUrl}/api/payments${path}`, {
    method,
    headers: {
      authorization: `Bearer ${cfg.merchantKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await res.json().catch(() => null)) as T & { error?: { code: string; message: string } };
  if (!res.ok) throw new Error(`payment server: ${method} ${path} → ${res.status} ${answer?.error?.code ?? ''} ${answer?.error?.message ?? ''}`.trim());
  return answer;
}

/** Server to server: the shop sets the amount itself, then hands session id + client secret to its page. */
export function createSession(cfg: PaymentConfig, order: Order): Promise<PaymentSession & { clientSecret: string }> {
  return api(
    cfg,
    'POST',
    '/session/create',
    { orderId: order.orderId, amount: order.amount, currency: order.currency, metadata: { shop: 'example-merchant' } },
    randomUUID(),
  );
}

export function getSession(cfg: PaymentConfig, sessionId: string): Promise<PaymentSession> {
  return api(cfg, 'GET', `/session/${encodeURIComponent(sessionId)}`);
}

/** The merchant read: every session of the order, newest first. The check a shop makes before it ships. */
export async function orderSessions(cfg: PaymentConfig, orderId: string): Promise<PaymentSession[]> {
  return (await api<{ sessions: PaymentSession[] }>(cfg, 'GET', `/sessions?orderId=${encodeURIComponent(orderId)}`)).sessions;
}
