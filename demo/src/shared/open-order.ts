/**
 * The cart's open order: the order the cart was last checked out as, kept in localStorage beside the cart.
 * Checkout reuses it while its payment is unconfirmed (never a second order for a cart whose first may still be paid);
 * a changed cart replaces it only once no payment for it can be under way; once it is paid, the cart is emptied.
 */
import { clearCart, type CartLine } from './cart-store.js';
import type { Order } from './api.js';

const KEY = 'demo.openOrder.v1';

export interface OpenOrder {
  orderId: string;
  /** The checkout page last saw a payment under way for it (processing, or a request waiting in the outbox). */
  unconfirmed: boolean;
  /** Its checkout ended unpaid (cancelled, max retries, expired): a new checkout makes a new order. */
  closed: boolean;
}

export function readOpenOrder(): OpenOrder | undefined {
  try {
    const o = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<OpenOrder> | null;
    if (!o || typeof o.orderId !== 'string' || !o.orderId) return undefined;
    return { orderId: o.orderId, unconfirmed: o.unconfirmed === true, closed: o.closed === true };
  } catch {
    return undefined;
  }
}

/** Makes `orderId` the cart's open order (a new order was just created for it). */
export function openOrder(orderId: string): void {
  localStorage.setItem(KEY, JSON.stringify({ orderId, unconfirmed: false, closed: false } satisfies OpenOrder));
}

/** Updates the open order if it is `orderId` (a checkout page of any other order leaves it alone). */
export function updateOpenOrder(orderId: string, patch: Partial<Omit<OpenOrder, 'orderId'>>): void {
  const o = readOpenOrder();
  if (!o || o.orderId !== orderId) return;
  const next = { ...o, ...patch };
  if (next.unconfirmed !== o.unconfirmed || next.closed !== o.closed) localStorage.setItem(KEY, JSON.stringify(next));
}

export function forgetOpenOrder(orderId: string): void {
  if (readOpenOrder()?.orderId === orderId) localStorage.removeItem(KEY);
}

/** The server says `orderId` is paid: if it is the cart's open order, the cart it came from is emptied. */
export function settleOpenOrder(orderId: string): void {
  if (readOpenOrder()?.orderId !== orderId) return;
  localStorage.removeItem(KEY);
  clearCart();
}

/** The order's lines and the cart's lines name the same products in the same quantities. */
export function sameItems(items: readonly { productId: string; quantity: number }[], lines: readonly CartLine[]): boolean {
  const want = new Map<string, number>();
  for (const l of lines) want.set(l.productId, (want.get(l.productId) ?? 0) + l.quantity);
  const have = new Map<string, number>();
  for (const i of items) have.set(i.productId, (have.get(i.productId) ?? 0) + i.quantity);
  return want.size === have.size && [...want].every(([id, q]) => have.get(id) === q);
}

/** What Checkout does with the cart, given its open order and the server's word on that order. */
export type CheckoutPlan =
  /** No order to continue: a new one for the cart. */
  | { kind: 'create' }
  /** The same cart, unpaid: back to its checkout. `unconfirmed`: a payment for it may still go through. */
  | { kind: 'reuse'; orderId: string; unconfirmed: boolean }
  /** The cart changed, but a payment for the open order may still go through: no new order until that is settled. */
  | { kind: 'hold'; orderId: string }
  /** The open order was paid meanwhile. `sameCart`: the cart is still that order's (so it is emptied). */
  | { kind: 'paid'; orderId: string; sameCart: boolean };

/**
 * `order` is the server's read of the open order (null: it does not exist). A payment may be under way when the server
 * holds a charge for it (`paying`) or the checkout page last saw one in flight or queued (the server may not have it yet).
 */
export function planCheckout(open: OpenOrder | undefined, order: Order | null, lines: readonly CartLine[]): CheckoutPlan {
  if (!open || !order || order.orderId !== open.orderId) return { kind: 'create' };
  const same = sameItems(order.items ?? [], lines);
  if (order.paid) return { kind: 'paid', orderId: order.orderId, sameCart: same };
  const unconfirmed = order.paying === true || open.unconfirmed;
  if (unconfirmed) return same ? { kind: 'reuse', orderId: order.orderId, unconfirmed } : { kind: 'hold', orderId: order.orderId };
  if (open.closed || !same) return { kind: 'create' };
  return { kind: 'reuse', orderId: order.orderId, unconfirmed: false };
}
