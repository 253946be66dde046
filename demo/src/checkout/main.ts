/**
 * The checkout page script, bundled by esbuild and inlined into dist/demo/checkout.html (see demo/vite.config.ts).
 * Plain DOM on purpose: the page must work alone from the service worker's cache, with /payment-checkout.js as its only other file.
 */
import { idFromPath, storeApi, type Order } from '../shared/api.js';
import { formatMoney } from '../shared/money.js';
import { mountCartCount } from '../shared/cart-store.js';
import { updateOpenOrder } from '../shared/open-order.js';
import { hideWayOn, isFinalCode, showWayOn } from './way-on.js';
import { TEST_CARDS, TEST_CARD_HINT } from '../shared/test-cards.js';

/** When the widget's module has not defined the element by then, the page says the form could not load. */
const WIDGET_LOAD_GRACE_MS = 8_000;
/** An order summary that could not be read is read again: 1 s, doubling up to 10 s, at most this many times. */
const SUMMARY_RETRIES = 30;

const orderId = idFromPath('/checkout/');
/**
 * Whose payment the order's "under way" is, as far as this page knows: the widget's own (it went processing here, and
 * has not been payable since: a timeout included), or one the widget already told the shopper runs elsewhere. Either
 * way the summary does not say it a second time.
 */
const underWay = { own: false, toldByWidget: false };
const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function mountWidget(): void {
  const widget = document.createElement('payment-checkout');
  widget.setAttribute('order-id', orderId);
  widget.setAttribute('sw', '/payment-sw.js');
  const timeout = new URLSearchParams(location.search).get('timeout');
  if (timeout && /^\d+$/.test(timeout)) widget.setAttribute('timeout', timeout);
  // Always this page's own order: an event anyone can dispatch from the console never picks the page to go to, and the
  // confirmation shows only what the server says about that order.
  // In this page's place in the history: Back from the confirmation reaches the cart. Kept, this page would restore the
  // completed session, hear checkout-complete again and send the shopper forward at every Back.
  widget.addEventListener('checkout-complete', () => location.replace(`/orders/${encodeURIComponent(orderId)}`));
  // Likewise for a cancel: Back from the cart does not bring back the checkout the shopper closed.
  widget.addEventListener('checkout-cancel', () => {
    updateOpenOrder(orderId, { closed: true });
    location.replace('/cart');
  });
  widget.addEventListener('checkout-error', (e) => {
    const code = (e as CustomEvent<{ code?: string }>).detail?.code;
    if (isFinalCode(code)) showWayOn($('[data-way-on]'), code, orderId, el);
    if (code === 'order_already_paid') $('[data-order-summary] .notice.ok')?.remove(); // said once, by the way on
    if (code === 'payment_in_progress') {
      underWay.toldByWidget = true;
      $('[data-order-summary] .notice.warn')?.remove();
    }
  });
  trackPayment(widget);
  $('[data-widget-slot]').append(widget);
  setTimeout(() => {
    if (!customElements.get('payment-checkout')) $('[data-widget-missing]').hidden = false;
  }, WIDGET_LOAD_GRACE_MS);
}

/**
 * Keeps the cart's open order told whether a payment for it is under way: processing, or a request waiting in the
 * service worker's outbox (which the server cannot know of yet). The cart never replaces an order while that holds.
 */
function trackPayment(widget: HTMLElement): void {
  let last = '';
  const update = () => {
    const status = widget.getAttribute('status');
    if (!status || status === 'idle') return; // not restored yet: the last word stands
    const wasOwn = underWay.own;
    if (status === 'processing') Object.assign(underWay, { own: true, toldByWidget: false });
    else if (status === 'initiated' || status === 'resumed') underWay.own = false;
    updateOpenOrder(orderId, { unconfirmed: status === 'processing' || widget.hasAttribute('queued') });
    // A final status is a final view whatever the widget says with it (its checkout-error carries the same code).
    if (status === 'failed_max_retries') showWayOn($('[data-way-on]'), 'max_retries_exceeded', orderId, el);
    else if (status === 'expired') showWayOn($('[data-way-on]'), 'session_expired', orderId, el);
    else if (status === 'initiated') hideWayOn($('[data-way-on]'), orderId);
    // The summary's word on the order (paid, a payment under way) follows the widget's changes of status, and a summary
    // the server did not give is asked for at once when the widget reaches the server again.
    if ((status !== last && last) || underWay.own !== wasOwn || (!widget.hasAttribute('offline') && !summaryShown())) void loadSummary();
    last = status;
  };
  new MutationObserver(update).observe(widget, { attributes: true, attributeFilter: ['status', 'queued', 'offline'] });
}

function renderSummary(order: Order): void {
  const box = $('[data-order-summary]');
  const lines = el('ul', { className: 'summary-lines' });
  for (const item of order.items ?? []) {
    const unit = item.unitPrice ?? item.price;
    lines.append(
      el(
        'li',
        {},
        el('span', {}, `${item.name ?? item.productId} × ${item.quantity}`),
        el('span', {}, unit !== undefined ? formatMoney(unit * item.quantity, order.currency) : ''),
      ),
    );
  }
  const total = el('div', { className: 'summary-total' }, el('span', {}, 'Total'), el('span', {}, formatMoney(order.amount, order.currency)));
  const next = el('div', {}, lines, total);
  const link = (text: string) => el('a', { href: `/orders/${encodeURIComponent(order.orderId)}` }, text);
  // Paid: unless the widget's final view and its way on say so already.
  // Paid by this page's own payment, the widget says so (and the page moves on to the confirmation).
  if (order.paid && !underWay.own && $('[data-way-on]').dataset.code !== 'order_already_paid')
    next.append(el('p', { className: 'notice ok' }, 'This order is already paid. ', link('See the confirmation')));
  else if (order.paying && !underWay.own && !underWay.toldByWidget) {
    next.append(
      el(
        'p',
        { className: 'notice warn' },
        'A payment for this order is under way and not confirmed yet; it may still go through, so do not pay again before it is settled. ',
        link('The order page'),
        ' shows when it is paid.',
      ),
    );
  }
  // The box is a live region, read again on every change of the widget's status: only a change of its words is news.
  if (next.innerHTML !== box.innerHTML) box.replaceChildren(...next.childNodes);
}

const summaryShown = () => $('[data-order-summary] .summary-total') !== null;
let summaryTimer: ReturnType<typeof setTimeout> | undefined;
let summaryRetries = 0;

async function loadSummary(): Promise<void> {
  clearTimeout(summaryTimer);
  try {
    renderSummary(await storeApi.order(orderId));
    summaryRetries = 0;
  } catch (e) {
    const missing = (e as { status?: number }).status === 404;
    // A summary already shown stays when a later read fails (the server or network away for a moment).
    if (!missing && summaryShown()) return;
    const message = missing ? `Order ${orderId} does not exist.` : 'Order details are unavailable right now.';
    $('[data-order-summary]').replaceChildren(el('p', { className: 'muted' }, message));
    clearTimeout(summaryTimer); // a read started meanwhile (the widget reached the server) may have set one
    if (!missing && summaryRetries < SUMMARY_RETRIES) summaryTimer = setTimeout(() => void loadSummary(), Math.min(1000 * 2 ** summaryRetries++, 10_000));
  }
}

function renderTestCards(): void {
  $('[data-card-hint]').textContent = TEST_CARD_HINT;
  const list = $('[data-card-list]');
  for (const card of TEST_CARDS) {
    const copy = el('button', { className: 'btn small secondary', type: 'button' }, 'Copy');
    copy.setAttribute('aria-label', `Copy card number ${card.number}`);
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(card.number.replace(/\s/g, ''));
        copy.textContent = 'Copied';
      } catch {
        copy.textContent = 'Copy failed';
      }
      $('[data-copy-status]').textContent = `${card.number}: ${copy.textContent.toLowerCase()}`; // said to a screen reader too
      setTimeout(() => (copy.textContent = 'Copy'), 1500);
    });
    list.append(
      el(
        'li',
        { className: `test-card ${card.tone}` },
        el('span', { className: 'number' }, card.number),
        copy,
        el('p', { className: 'shows' }, el('strong', {}, `${card.outcome}. `), card.shows),
      ),
    );
  }
}

$('[data-order-id]').textContent = orderId || '(none)';
mountCartCount();
renderTestCards();
if (orderId) {
  mountWidget();
  void loadSummary();
} else {
  $('[data-order-summary]').replaceChildren(el('p', { className: 'notice error' }, 'No order in the address. Go back to the cart and check out again.'));
}
