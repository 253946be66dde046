/**
 * Where a browser-created session gets its amount: the order source. The demo shop's orders are one source;
 * a merchant backend that creates sessions with its own amount is another (it bypasses this).
 */
import { AppError } from '../errors.js';
import { randomId } from '../ids.js';
import type { PaymentProcessor } from '../processor/types.js';
import type { OrderRow, ProductRow } from './model.js';
import type { Store } from '../store/types.js';

/** How a paid order's payment is shown: the processor's payment id, when it was confirmed, and the card's brand and last4. */
export interface OrderPaymentView {
  paymentId: string;
  paidAt: number;
  brand: string | null;
  last4: string | null;
}

/** The demo catalogue, seeded at start-up. Prices in minor units. */
export const DEMO_PRODUCTS: ProductRow[] = [
  { productId: 'prod_mug', name: 'Stoneware Mug', price: 1800, currency: 'EUR', image: null },
  { productId: 'prod_notebook', name: 'Dot-Grid Notebook', price: 1250, currency: 'EUR', image: null },
  { productId: 'prod_tote', name: 'Canvas Tote Bag', price: 2400, currency: 'EUR', image: null },
  { productId: 'prod_beans', name: 'Single-Origin Coffee Beans', price: 1600, currency: 'EUR', image: null },
  { productId: 'prod_lamp', name: 'Desk Lamp', price: 5900, currency: 'EUR', image: null },
  { productId: 'prod_plant', name: 'Potted Fern', price: 2200, currency: 'EUR', image: null },
];

/** An order's limits: lines per order (the order schema), and of one product (also after merging its lines). */
export const MAX_ORDER_LINES = 50;
export const MAX_QUANTITY = 99;

export class DemoShop {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    /** Where a paid order's card (brand, last4) is asked; without it the payment is shown without a card. */
    private readonly processor?: Pick<PaymentProcessor, 'cardOf'>,
  ) {}

  seed(): Promise<void> {
    return this.store.shop.upsertProducts(DEMO_PRODUCTS);
  }

  listProducts(): Promise<ProductRow[]> {
    return this.store.shop.listProducts();
  }

  async createOrder(items: { productId: string; quantity: number }[]): Promise<OrderRow> {
    const merged = new Map<string, number>();
    for (const i of items) merged.set(i.productId, (merged.get(i.productId) ?? 0) + i.quantity);
    const products = await this.store.shop.getProducts([...merged.keys()]);
    const byId = new Map(products.map((p) => [p.productId, p]));
    const missing = [...merged.keys()].filter((id) => !byId.has(id));
    if (missing.length) throw new AppError('product_not_found', `Unknown product: ${missing.join(', ')}.`, { productIds: missing });
    const currencies = new Set(products.map((p) => p.currency));
    if (currencies.size > 1) throw new AppError('validation_error', 'All items of an order must share one currency.');
    const lines = [...merged].map(([productId, quantity]) => {
      const p = byId.get(productId)!;
      if (quantity > MAX_QUANTITY) throw new AppError('validation_error', `At most ${MAX_QUANTITY} of one product.`);
      return { productId, quantity, name: p.name, price: p.price };
    });
    const order: OrderRow = {
      orderId: randomId('ord', 16),
      amount: lines.reduce((sum, l) => sum + l.price * l.quantity, 0),
      currency: products[0].currency,
      items: lines,
      createdAt: this.now(),
    };
    await this.store.shop.insertOrder(order);
    return order;
  }

  /**
   * The order, whether it is paid, whether a payment for it may still be under way (`paying`: a charge holds the order's
   * payment lock, its outcome not yet known), and for a paid order the payment as the server recorded it.
   */
  async getOrder(orderId: string): Promise<OrderRow & { paid: boolean; paying: boolean; payment?: OrderPaymentView }> {
    const order = await this.store.shop.getOrder(orderId);
    if (!order) throw new AppError('order_not_found');
    const lock = await this.store.charges.getOrderPayment(orderId);
    if (lock?.state !== 'paid') return { ...order, paid: false, paying: lock?.state === 'charging' };
    const payment = await this.#payment(lock.sessionId);
    return { ...order, paid: true, paying: false, ...(payment ? { payment } : {}) };
  }

  /** The succeeded charge of the session that paid (absent once retention has purged it). */
  async #payment(sessionId: string): Promise<OrderPaymentView | undefined> {
    const charge = (await this.store.charges.list(sessionId)).find((c) => c.status === 'succeeded' && c.paymentId);
    if (!charge) return undefined;
    const card = (await this.processor?.cardOf?.(charge.chargeKey)) ?? null;
    return { paymentId: charge.paymentId!, paidAt: charge.resolvedAt ?? charge.startedAt, brand: card?.brand ?? null, last4: card?.last4 ?? null };
  }
}
