import { html, nothing } from 'lit';
import { unsafeSVG } from 'lit/directives/unsafe-svg.js';
import { LightElement } from '../shared/light-element.js';
import { storeApi, type Product } from '../shared/api.js';
import { formatMoney } from '../shared/money.js';
import { MAX_QUANTITY, onCartChange, readCart, rememberPendingOrder, setQuantity, type CartLine } from '../shared/cart-store.js';
import { productArt, safeImage } from '../shared/product-art.js';

/** The cart (`/cart`): lines from localStorage priced by the catalogue; "Checkout" creates the order and opens `/checkout/<orderId>`. */
export class StoreCart extends LightElement {
  static override properties = {
    _lines: { state: true },
    _products: { state: true },
    _error: { state: true },
    _busy: { state: true },
  };

  declare _lines: CartLine[];
  declare _products: Map<string, Product> | undefined;
  declare _error: string;
  declare _busy: boolean;
  #off?: () => void;

  constructor() {
    super();
    this._lines = readCart();
    this._products = undefined;
    this._error = '';
    this._busy = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#off = onCartChange((lines) => (this._lines = lines));
    storeApi
      .products()
      .then((ps) => (this._products = new Map(ps.map((p) => [p.productId, p]))))
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

  async #checkout(): Promise<void> {
    const lines = this.#pricedLines;
    if (lines.length === 0 || this._busy) return;
    this._busy = true;
    this._error = '';
    try {
      const order = await storeApi.createOrder(lines.map(({ line }) => ({ productId: line.productId, quantity: line.quantity })));
      rememberPendingOrder(order.orderId);
      // `?timeout=` given to the cart carries on to the checkout (handy for showing timeouts).
      const timeout = new URLSearchParams(location.search).get('timeout');
      location.assign(`/checkout/${encodeURIComponent(order.orderId)}${timeout ? `?timeout=${encodeURIComponent(timeout)}` : ''}`);
    } catch (e) {
      this._error = `Could not create the order: ${(e as Error).message}`;
      this._busy = false;
    }
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
      ${loading
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
            </div>`}
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
