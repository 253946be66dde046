/**
 * The example shop's own records: its catalogue and its orders (in memory, bounded). An order becomes paid only through
 * `markPaid`, which the webhook receiver and the merchant read call with a session the payment server vouched for.
 */
import { randomBytes } from 'node:crypto';

export interface Product {
  productId: string;
  name: string;
  price: number; // minor units
  currency: string;
}

export const CATALOGUE: Product[] = [
  { productId: 'tea', name: 'Darjeeling First Flush, 100 g', price: 1450, currency: 'EUR' },
  { productId: 'pot', name: 'Glass Teapot', price: 3200, currency: 'EUR' },
  { productId: 'cups', name: 'Two Porcelain Cups', price: 2100, currency: 'EUR' },
];

export interface Order {
  orderId: string;
  items: { productId: string; name: string; quantity: number; price: number }[];
  amount: number;
  currency: string;
  createdAt: string;
  paid: null | { at: string; via: 'webhook' | 'merchant-read'; sessionId: string; paymentId: string | null };
  /** The session this shop created server to server for its second checkout page (the secret stays on this backend). */
  checkout?: { sessionId: string; clientSecret: string };
}

/** What the payment server tells about a session (webhook `data`, or a merchant read). */
export interface PaymentSession {
  sessionId: string;
  orderId: string;
  status: string;
  amount: number;
  currency: string;
  paymentId?: string;
}

export const MAX_ORDERS = 10_000;
export const MAX_QUANTITY = 20;

export class Orders {
  readonly #orders = new Map<string, Order>();

  create(lines: { productId: string; quantity: number }[]): Order {
    const items = lines.map(({ productId, quantity }) => {
      const p = CATALOGUE.find((c) => c.productId === productId);
      if (!p) throw new RangeError(`unknown product ${productId}`);
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) throw new RangeError(`quantity must be 1–${MAX_QUANTITY}`);
      return { productId, name: p.name, quantity, price: p.price };
    });
    if (!items.length) throw new RangeError('an order needs at least one item');
    // Bounded: the oldest order goes first (Map keeps insertion order).
    if (this.#orders.size >= MAX_ORDERS) this.#orders.delete(this.#orders.keys().next().value!);
    const order: Order = {
      orderId: `mord_${randomBytes(9).toString('base64url')}`,
      items,
      amount: items.reduce((sum, i) => sum + i.price * i.quantity, 0),
      currency: 'EUR',
      createdAt: new Date().toISOString(),
      paid: null,
    };
    this.#orders.set(order.orderId, order);
    return order;
  }

  get(orderId: string): Order | undefined {
    return this.#orders.get(orderId);
  }

  /**
   * Marks the order paid when `session` is a completed payment of exactly this order: same id, amount and currency.
   * Returns why not otherwise. Idempotent: a redelivered webhook changes nothing.
   */
  markPaid(session: PaymentSession, via: 'webhook' | 'merchant-read'): 'paid' | 'already_paid' | 'unknown_order' | 'not_completed' | 'amount_mismatch' {
    const order = this.#orders.get(session.orderId);
    if (!order) return 'unknown_order';
    if (session.status !== 'COMPLETED') return 'not_completed';
    if (session.amount !== order.amount || session.currency !== order.currency) return 'amount_mismatch';
    if (order.paid) return 'already_paid';
    order.paid = { at: new Date().toISOString(), via, sessionId: session.sessionId, paymentId: session.paymentId ?? null };
    return 'paid';
  }
}
