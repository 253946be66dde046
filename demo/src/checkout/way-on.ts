/**
 * The way on after the widget's final views: it says what happened (`checkout-error {code, retryable: false}`), the page
 * offers what the widget cannot — the confirmation of a paid order, or the cart. A new checkout of the same order is the
 * widget's own button (`restart-button`): the page does not offer a second one beside it.
 */
import { updateOpenOrder } from '../shared/open-order.js';

/** The widget's final codes this page answers. */
export const FINAL_CODES = ['order_already_paid', 'max_retries_exceeded', 'session_expired'] as const;
export type FinalCode = (typeof FINAL_CODES)[number];

export const isFinalCode = (code: unknown): code is FinalCode => (FINAL_CODES as readonly unknown[]).includes(code);

const TEXT: Record<FinalCode, { title: string; body: string }> = {
  order_already_paid: { title: 'This order is paid', body: 'Nothing more to pay here. The confirmation shows the payment.' },
  max_retries_exceeded: {
    title: 'This checkout has used all its attempts',
    body: 'No payment went through for it. Start a new checkout of this order in the payment box above, or change your cart first.',
  },
  session_expired: {
    title: 'This checkout has expired',
    body: 'It was not paid in time. Start a new checkout of this order in the payment box above, or change your cart first.',
  },
};

type El = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Partial<HTMLElementTagNameMap[K]>,
  ...children: (Node | string)[]
) => HTMLElementTagNameMap[K];

/** Fills `box` with the way on for `code` from the checkout of `orderId`. */
export function showWayOn(box: HTMLElement, code: FinalCode, orderId: string, el: El): void {
  const { title, body } = TEXT[code];
  const actions = el('div', { className: 'actions' });
  if (code === 'order_already_paid') {
    actions.append(el('a', { className: 'btn', href: `/orders/${encodeURIComponent(orderId)}` }, 'See the confirmation'));
  } else {
    // Back in the cart, Checkout makes a new order; the widget's own restart reopens this one (main.ts).
    updateOpenOrder(orderId, { closed: true, unconfirmed: false });
    actions.append(el('a', { className: 'btn secondary', href: '/cart' }, 'Back to cart'));
  }
  box.replaceChildren(el('h3', {}, title), el('p', {}, body), actions);
  box.className = `notice ${code === 'order_already_paid' ? 'ok' : 'warn'} way-on`;
  box.dataset.code = code;
  box.hidden = false;
}

/** The widget started a new checkout of the order (its restart): the final view's way on no longer applies. */
export function hideWayOn(box: HTMLElement, orderId: string): void {
  if (box.hidden || box.dataset.code === 'order_already_paid') return;
  box.hidden = true;
  delete box.dataset.code;
  updateOpenOrder(orderId, { closed: false });
}
