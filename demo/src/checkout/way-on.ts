/**
 * The way on after the widget's final views: it says what happened (`checkout-error {code, retryable: false}`), the page
 * offers what to do next — the confirmation of a paid order, or a fresh checkout of the same items (a new order) and the cart.
 */
import { ApiError, storeApi } from '../shared/api.js';
import { openOrder, updateOpenOrder } from '../shared/open-order.js';

/** The widget's final codes this page answers. */
export const FINAL_CODES = ['order_already_paid', 'max_retries_exceeded', 'session_expired'] as const;
export type FinalCode = (typeof FINAL_CODES)[number];

export const isFinalCode = (code: unknown): code is FinalCode => (FINAL_CODES as readonly unknown[]).includes(code);

const TEXT: Record<FinalCode, { title: string; body: string }> = {
  order_already_paid: { title: 'This order is paid', body: 'Nothing more to pay here. The confirmation shows the payment.' },
  max_retries_exceeded: {
    title: 'This checkout has used all its attempts',
    body: 'No payment went through for it. You can start a fresh checkout of the same items, or change your cart first.',
  },
  session_expired: {
    title: 'This checkout has expired',
    body: 'It was not paid in time. You can start a fresh checkout of the same items, or change your cart first.',
  },
};

type El = <K extends keyof HTMLElementTagNameMap>(tag: K, props?: Partial<HTMLElementTagNameMap[K]>, ...children: (Node | string)[]) => HTMLElementTagNameMap[K];

/** Fills `box` with the way on for `code` from the checkout of `orderId`. */
export function showWayOn(box: HTMLElement, code: FinalCode, orderId: string, el: El): void {
  const { title, body } = TEXT[code];
  const status = el('p', { className: 'muted' });
  status.setAttribute('role', 'status');
  const actions = el('div', { className: 'actions' });
  if (code === 'order_already_paid') {
    actions.append(el('a', { className: 'btn', href: `/orders/${encodeURIComponent(orderId)}` }, 'See the confirmation'));
  } else {
    updateOpenOrder(orderId, { closed: true, unconfirmed: false });
    const fresh = el('button', { className: 'btn', type: 'button' }, 'Start a fresh checkout');
    fresh.addEventListener('click', () => void freshCheckout(orderId, fresh, status));
    actions.append(fresh, el('a', { className: 'btn secondary', href: '/cart' }, 'Back to cart'));
  }
  box.replaceChildren(el('h3', {}, title), el('p', {}, body), actions, status);
  box.className = `notice ${code === 'order_already_paid' ? 'ok' : 'warn'} way-on`;
  box.dataset.code = code;
  box.hidden = false;
}

/**
 * A new order with the same items, then its checkout. Asks the server first: an order paid meanwhile goes to its
 * confirmation, and while a payment for it may still go through no new order is made.
 */
async function freshCheckout(orderId: string, button: HTMLButtonElement, status: HTMLElement): Promise<void> {
  button.disabled = true;
  status.textContent = 'Starting a fresh checkout…';
  try {
    const order = await storeApi.order(orderId);
    if (order.paid) return location.assign(`/orders/${encodeURIComponent(orderId)}`);
    if (order.paying) {
      status.textContent = 'A payment for this order is still being confirmed, so no new order was made. Its order page shows when it is paid.';
      button.disabled = false;
      return;
    }
    const next = await storeApi.createOrder(order.items.map((i) => ({ productId: i.productId, quantity: i.quantity })));
    openOrder(next.orderId);
    const timeout = new URLSearchParams(location.search).get('timeout');
    location.assign(`/checkout/${encodeURIComponent(next.orderId)}${timeout && /^\d+$/.test(timeout) ? `?timeout=${timeout}` : ''}`);
  } catch (e) {
    status.textContent = e instanceof ApiError ? `Could not start a fresh checkout: ${e.message}` : 'Could not start a fresh checkout.';
    button.disabled = false;
  }
}
