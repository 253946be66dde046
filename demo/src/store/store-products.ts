import { html, nothing } from 'lit';
import { unsafeSVG } from 'lit/directives/unsafe-svg.js';
import { LightElement } from '../shared/light-element.js';
import { storeApi, type Product } from '../shared/api.js';
import { formatMoney } from '../shared/money.js';
import { addToCart } from '../shared/cart-store.js';
import { productArt, safeImage } from '../shared/product-art.js';

/** The product list (`/`): the seeded catalogue, each with an "Add to cart" button. */
export class StoreProducts extends LightElement {
  static override properties = {
    _products: { state: true },
    _error: { state: true },
    _added: { state: true },
    _announce: { state: true },
  };

  declare _products: Product[] | undefined;
  declare _error: string;
  declare _added: string;
  declare _announce: string;
  #addedTimer = 0;

  constructor() {
    super();
    this._products = undefined;
    this._error = '';
    this._added = '';
    this._announce = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load();
  }

  async #load(): Promise<void> {
    this._error = '';
    this._products = undefined;
    try {
      this._products = await storeApi.products();
    } catch (e) {
      this._error = (e as Error).message;
      this._products = [];
    }
  }

  #add(p: Product): void {
    addToCart(p.productId);
    this._added = p.productId;
    this._announce = `${p.name} added to your cart.`;
    clearTimeout(this.#addedTimer);
    this.#addedTimer = window.setTimeout(() => (this._added = ''), 1600);
  }

  override render() {
    return html`
      <div class="page-head">
        <div>
          <h1>Goods for slow mornings</h1>
          <p>A small catalogue to try the checkout with. Nothing ships, nothing is charged.</p>
        </div>
        <a class="btn secondary hide-phone" href="/cart">View cart</a>
      </div>
      ${
        this._error
          ? html`<div class="notice error" role="alert">
            Could not load the products: ${this._error}
            <button class="btn small secondary" @click=${() => this.#load()}>Try again</button>
          </div>`
          : nothing
      }
      <ul class="product-grid" aria-busy=${this._products === undefined ? 'true' : 'false'}>
        ${
          this._products === undefined
            ? [1, 2, 3, 4, 5, 6].map(
                () =>
                  html`<li class="product-card" aria-hidden="true"><div class="product-art skeleton"></div><div class="skeleton" style="height:1.2em;margin:16px"></div></li>`,
              )
            : this._products.map((p) => this.#card(p))
        }
      </ul>
      <p class="visually-hidden" role="status">${this._announce}</p>
    `;
  }

  #card(p: Product) {
    const img = safeImage(p.image);
    const added = this._added === p.productId;
    return html`<li class="product-card" data-product-id=${p.productId}>
      <div class="product-art">${img ? html`<img src=${img} alt="" />` : unsafeSVG(productArt(p.productId, p.name))}</div>
      <div class="product-body">
        <h2 class="product-name">${p.name}</h2>
        ${p.description ? html`<p class="muted">${p.description}</p>` : nothing}
        <div class="product-foot">
          <span class="price">${formatMoney(p.price, p.currency)}</span>
          <button class="btn small ${added ? 'secondary' : ''}" @click=${() => this.#add(p)}>
            ${added ? 'Added ✓' : 'Add to cart'}<span class="visually-hidden">: ${p.name}</span>
          </button>
        </div>
      </div>
    </li>`;
  }
}
customElements.define('store-products', StoreProducts);
