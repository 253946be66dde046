import { html, nothing } from 'lit';
import { unsafeSVG } from 'lit/directives/unsafe-svg.js';
import { LightElement } from '../shared/light-element.js';
import { ApiError, idFromPath, storeApi, type Order, type OrderPayment, type Product } from '../shared/api.js';
import { formatMoney, pageLocale } from '../shared/money.js';
import { settleOpenOrder } from '../shared/open-order.js';
import { productArt } from '../shared/product-art.js';

/** How long the page keeps checking an unpaid order (a payment being reconciled may land a little later). */
const PAID_POLL_MS = 2_000;
const PAID_POLL_FOR_MS = 60_000;
/** While the server says a payment is under way, the page keeps checking this long (the processor's answer may be slow). */
const PAYING_POLL_FOR_MS = 10 * 60_000;

const DATE = new Intl.DateTimeFormat(pageLocale(), { dateStyle: 'long', timeStyle: 'short' });
const BRANDS: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover' };

/**
 * The confirmation page (`/orders/:orderId`): the order as the server has it — paid (with the payment reference, date and
 * card), a payment under way, or not paid (with the way back to its checkout). Nothing here comes from the checkout page.
 */
export class StoreOrder extends LightElement {
  static override properties = {
    _order: { state: true },
    _products: { state: true },
    _error: { state: true },
  };

  declare _order: Order | undefined;
  declare _products: Map<string, Product>;
  declare _error: string;
  readonly #orderId = idFromPath('/orders/');
  readonly #started = Date.now();
  #timer = 0;

  constructor() {
    super();
    this._order = undefined;
    this._products = new Map();
    this._error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    storeApi
      .products()
      .then((ps) => (this._products = new Map(ps.map((p) => [p.productId, p]))))
      .catch(() => {});
    void this.#load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#timer);
  }

  async #load(): Promise<void> {
    if (!this.#orderId) {
      this._error = 'No order number in the address.';
      return;
    }
    try {
      this._order = await storeApi.order(this.#orderId);
      const waited = Date.now() - this.#started;
      if (this._order.paid) settleOpenOrder(this._order.orderId);
      else if (waited < PAID_POLL_FOR_MS || (this._order.paying && waited < PAYING_POLL_FOR_MS))
        this.#timer = window.setTimeout(() => this.#load(), PAID_POLL_MS);
    } catch (e) {
      this._error = e instanceof ApiError && e.status === 404 ? `We could not find order ${this.#orderId}.` : (e as Error).message;
    }
  }

  #paidHero() {
    return html`<div class="order-hero">
      <svg class="order-check" width="56" height="56" viewBox="0 0 56 56" aria-hidden="true" focusable="false">
        <circle cx="28" cy="28" r="28" style="fill: var(--ok-soft)"/><path d="M17 29l7 7 15-16" fill="none" style="stroke: var(--ok)" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/>
      </svg>
      <div>
        <h1>Thank you, your order is paid</h1>
        <p class="muted">A receipt would be on its way if this were a real shop.</p>
      </div>
    </div>`;
  }

  #unpaidHero(o: Order) {
    const checkout = html`<a class="btn" href=${`/checkout/${encodeURIComponent(o.orderId)}`}>Return to checkout</a>`;
    if (o.paying) {
      return html`<div class="order-hero">
        <div>
          <h1>Payment being confirmed</h1>
          <p class="muted" role="status">This order is not paid yet: a payment for it is under way and its outcome is not known yet.
            Do not pay again; this page updates by itself.</p>
        </div>
      </div>`;
    }
    return html`<div class="order-hero">
      <div>
        <h1>This order is not paid</h1>
        <p class="muted" role="status">No payment for this order has gone through. If you just paid, this page updates by itself.</p>
        ${checkout}
      </div>
    </div>`;
  }

  #badge(o: Order) {
    const [cls, text] = o.paid ? ['paid', 'Paid'] : o.paying ? ['s-processing', 'Payment pending'] : ['s-initiated', 'Unpaid'];
    return html`<span class="badge ${cls}" data-testid="order-status">${text}</span>`;
  }

  #paymentMeta(p: OrderPayment) {
    const paidAt = new Date(p.paidAt);
    const card = p.brand && p.last4 ? `${BRANDS[p.brand] ?? p.brand} ending in ${p.last4}` : '';
    return html`<div><dt>Payment reference</dt><dd class="mono" data-testid="payment-id">${p.paymentId}</dd></div>
      <div><dt>Paid on</dt><dd data-testid="paid-at"><time datetime=${p.paidAt}>${Number.isNaN(paidAt.getTime()) ? p.paidAt : DATE.format(paidAt)}</time></dd></div>
      ${card ? html`<div><dt>Card</dt><dd data-testid="payment-card">${card}</dd></div>` : nothing}`;
  }

  override render() {
    if (this._error) {
      return html`<div class="card order-card">
        <h1>Order not found</h1>
        <div class="notice error" role="alert">${this._error}</div>
        <p><a class="btn secondary" href="/">Back to the shop</a></p>
      </div>`;
    }
    const o = this._order;
    if (!o) return html`<div class="card order-card" aria-busy="true"><div class="skeleton" style="height:160px"></div></div>`;
    return html`<div class="card order-card">
      ${o.paid ? this.#paidHero() : this.#unpaidHero(o)}
      <dl class="order-meta">
        <div><dt>Order</dt><dd class="mono" data-testid="order-id">${o.orderId}</dd></div>
        <div><dt>Status</dt><dd>${this.#badge(o)}</dd></div>
        <div><dt>Total</dt><dd data-testid="order-total">${formatMoney(o.amount, o.currency)}</dd></div>
        ${o.paid && o.payment ? this.#paymentMeta(o.payment) : nothing}
      </dl>
      <h2>Items</h2>
      <ul class="order-items">
        ${(o.items ?? []).map((item) => {
          const p = this._products.get(item.productId);
          const name = item.name ?? p?.name ?? item.productId;
          const unit = item.unitPrice ?? item.price ?? p?.price;
          return html`<li>
            <div class="cart-art small">${unsafeSVG(productArt(item.productId, name))}</div>
            <span>${name} <span class="muted">× ${item.quantity}</span></span>
            <span>${unit !== undefined ? formatMoney(unit * item.quantity, o.currency) : nothing}</span>
          </li>`;
        })}
      </ul>
      <p><a class="btn secondary" href="/">Continue shopping</a></p>
    </div>`;
  }
}
customElements.define('store-order', StoreOrder);
