import { html, nothing } from 'lit';
import { unsafeSVG } from 'lit/directives/unsafe-svg.js';
import { LightElement } from '../shared/light-element.js';
import { ApiError, storeApi, type Order, type Product } from '../shared/api.js';
import { formatMoney } from '../shared/money.js';
import { MAX_QUANTITY, onCartChange, readCart, setQuantity, type CartLine } from '../shared/cart-store.js';
import { openOrder, planCheckout, readOpenOrder, settleOpenOrder, forgetOpenOrder, type CheckoutPlan } from '../shared/open-order.js';
import { productArt, safeImage } from '../shared/product-art.js';

/**
 * The cart (`/cart`): lines from localStorage priced by the catalogue. "Checkout" continues the cart's open order while it is
 * unpaid and the cart unchanged (or while a payment for it may still go through), else creates a new order, then opens
 * `/checkout/<orderId>`. The page says when a payment for the open order is not confirmed yet, and when it was paid.
 */
export class StoreCart extends LightElement {
  static override properties = {
    _lines: { state: true },
    _products: { state: true },
    _error: { state: true },
    _busy: { state: true },
    _plan: { state: true },
  };

  declare _lines: CartLine[];
  declare _products: Map<string, Product> | undefined;
  declare _error: string;
  declare _busy: boolean;
  /** What Checkout would do now, once the open order has been read (undefined: none read yet). */
  declare _plan: CheckoutPlan | undefined;
  /** The server's read of the open order: undefined not read yet, null none or unknown to the server. */
  #open: Order | null | undefined;
  #off?: () => void;

  constructor() {
    super();
    this._lines = readCart();
    this._products = undefined;
    this._error = '';
    this._busy = false;
    this._plan = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#off = onCartChange((lines) => {
      this._lines = lines;
      this.#replan();
    });
    void this.#readOpenOrder().catch(() => {});
    storeApi
      .products()
      .then((ps) => {
        this._products = new Map(ps.map((p) => [p.productId, p]));
        this.#replan();
      })
      .catch((e: Error) => {
        this._products = new Map();
        this._error = `Could not load the products: ${e.message}`;
      });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#off?.();
  }

  /** Cart lines whose product is still in the catalogue. */
  get #pricedLines(): { line: CartLine; product: Product }[] {
    if (!this._products) return [];
    return this._lines.flatMap((line) => {
      const product = this._products!.get(line.productId);
      return product ? [{ line, product }] : [];
    });
  }

  /** Reads the cart's open order from the server (null when there is none, or the server does not know it). */
  async #readOpenOrder(): Promise<void> {
    const open = readOpenOrder();
    if (!open) {
      this.#open = null;
    } else {
      try {
        this.#open = await storeApi.order(open.orderId);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) throw e;
        forgetOpenOrder(open.orderId);
        this.#open = null;
      }
    }
    this.#replan();
  }

  #replan(): void {
    // Both the open order and the catalogue (which prices the cart's lines) are needed to compare them.
    if (this.#open === undefined || this._products === undefined) return;
    const plan = planCheckout(readOpenOrder(), this.#open, this.#orderLines());
    // Confirmed paid: the cart it came from is emptied (a cart changed since then is the shopper's next order).
    if (plan.kind === 'paid') {
      if (plan.sameCart) settleOpenOrder(plan.orderId);
      else forgetOpenOrder(plan.orderId);
    }
    this._plan = plan;
  }

  #orderLines(): CartLine[] {
    return this.#pricedLines.map(({ line }) => ({ productId: line.productId, quantity: line.quantity }));
  }

  async #checkout(): Promise<void> {
    const lines = this.#orderLines();
    if (lines.length === 0 || this._busy) return;
    this._busy = true;
    this._error = '';
    try {
      // The open order's payment may have moved since the page loaded: ask again before deciding.
      await this.#readOpenOrder();
      const plan = this._plan!;
      if (plan.kind === 'hold' || plan.kind === 'paid') {
        this._busy = false;
        await this.updateComplete;
        this.querySelector<HTMLElement>('[data-open-order-notice]')?.focus();
        return;
      }
      let orderId: string;
      if (plan.kind === 'reuse') orderId = plan.orderId;
      else {
        orderId = (await storeApi.createOrder(lines)).orderId;
        openOrder(orderId);
      }
      // `?timeout=` given to the cart carries on to the checkout (handy for showing timeouts).
      const timeout = new URLSearchParams(location.search).get('timeout');
      location.assign(`/checkout/${encodeURIComponent(orderId)}${timeout ? `?timeout=${encodeURIComponent(timeout)}` : ''}`);
    } catch (e) {
      this._error = `Could not start the checkout: ${(e as Error).message}`;
      this._busy = false;
    }
  }

  /** What the shopper must know about the open order before paying (nothing when it is plain to continue or absent). */
  #notice() {
    const plan = this._plan;
    const open = readOpenOrder();
    // The cart's last checkout ended unpaid (cancelled, no attempts left, expired) with no payment under way: said here,
    // so that the shopper knows where the cart stands, until the next Checkout makes a new order.
    if (plan?.kind === 'create' && open?.closed && this.#open?.orderId === open.orderId && this._lines.length) {
      return html`<div class="notice info" data-open-order-notice tabindex="-1" role="status">
        The checkout of order <span class="mono">${open.orderId}</span> ended unpaid: nothing was charged. Your cart is as you left it,
        and Checkout starts a new order.
      </div>`;
    }
    if (!plan || plan.kind === 'create' || (plan.kind === 'reuse' && !plan.unconfirmed)) return nothing;
    const orderLink = (text: string) => html`<a href=${`/orders/${encodeURIComponent(plan.orderId)}`}>${text}</a>`;
    if (plan.kind === 'paid') {
      return html`<div class="notice ok" data-open-order-notice tabindex="-1" role="status">
        Your order <span class="mono">${plan.orderId}</span> is paid${plan.sameCart ? ', so your cart was emptied' : ''}. ${orderLink('See the confirmation')}.
      </div>`;
    }
    const title = html`<strong>The payment for order <span class="mono">${plan.orderId}</span> is not confirmed yet.</strong>`;
    if (plan.kind === 'reuse') {
      return html`<div class="notice warn" data-open-order-notice tabindex="-1" role="status">
        ${title} It may still go through, so do not pay for this cart again elsewhere: Checkout takes you back to that order.
        ${orderLink('The order page')} shows when it is paid.
      </div>`;
    }
    return html`<div class="notice warn" data-open-order-notice tabindex="-1" role="status">
      ${title} It may still go through. Your cart has changed since, so it needs a new order, which you can make once that payment is settled.
      ${orderLink('The order page')} shows when it is paid.
    </div>`;
  }

  override render() {
    const loading = this._products === undefined;
    const lines = this.#pricedLines;
    const currency = lines[0]?.product.currency ?? 'USD';
    const total = lines.reduce((sum, { line, product }) => sum + line.quantity * product.price, 0);
    const count = lines.reduce((n, { line }) => n + line.quantity, 0);
    return html`
      <div class="page-head"><h1>Your cart</h1></div>
      ${this._error ? html`<div class="notice error" role="alert">${this._error}</div>` : nothing}
      ${this.#notice()}
      ${
        loading
          ? html`<div class="card"><div class="skeleton" style="height:96px"></div></div>`
          : lines.length === 0
            ? html`<div class="card empty-state">
              <h2>Your cart is empty</h2>
              <p class="muted">Add something from the catalogue to try the checkout.</p>
              <a class="btn" href="/">Browse products</a>
            </div>`
            : html`<div class="cart-layout">
              <ul class="card cart-lines" aria-label="Items in your cart">
                ${lines.map(({ line, product }) => this.#line(line, product))}
              </ul>
              <aside class="card cart-summary" aria-labelledby="summary-title">
                <h2 id="summary-title">Order summary</h2>
                <dl class="totals">
                  <div><dt>Items</dt><dd>${count}</dd></div>
                  <div><dt>Shipping</dt><dd>Free</dd></div>
                  <div class="grand"><dt>Total</dt><dd>${formatMoney(total, currency)}</dd></div>
                </dl>
                <button class="btn block" ?disabled=${this._busy} @click=${() => this.#checkout()}>
                  ${this._busy ? 'Creating order…' : 'Checkout'}
                </button>
                <p class="muted small-print">You will pay on the next page with a test card.</p>
              </aside>
            </div>`
      }
    `;
  }

  #line(line: CartLine, p: Product) {
    const img = safeImage(p.image);
    const qtyId = `qty-${p.productId}`;
    return html`<li class="cart-line" data-product-id=${p.productId}>
      <div class="cart-art">${img ? html`<img src=${img} alt="" />` : unsafeSVG(productArt(p.productId, p.name))}</div>
      <div class="cart-info">
        <span class="cart-name">${p.name}</span>
        <span class="muted">${formatMoney(p.price, p.currency)} each</span>
      </div>
      <div class="qty" role="group" aria-label="Quantity of ${p.name}">
        <button class="btn small secondary" aria-label="One fewer ${p.name}" @click=${() => setQuantity(p.productId, line.quantity - 1)}>−</button>
        <label class="visually-hidden" for=${qtyId}>Quantity of ${p.name}</label>
        <input id=${qtyId} class="input qty-input" type="number" inputmode="numeric" min="0" max=${MAX_QUANTITY} .value=${String(line.quantity)}
          @change=${(e: Event) => setQuantity(p.productId, Number((e.target as HTMLInputElement).value) || 0)} />
        <button class="btn small secondary" aria-label="One more ${p.name}" ?disabled=${line.quantity >= MAX_QUANTITY}
          @click=${() => setQuantity(p.productId, line.quantity + 1)}>+</button>
      </div>
      <span class="cart-line-total">${formatMoney(p.price * line.quantity, p.currency)}</span>
      <button class="link-btn cart-remove" @click=${() => setQuantity(p.productId, 0)} aria-label="Remove ${p.name}">Remove</button>
    </li>`;
  }
}
customElements.define('store-cart', StoreCart);
