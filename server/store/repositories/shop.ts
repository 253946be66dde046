/** The demo shop's catalogue and orders (tables store_products, store_orders). */
import type { OrderRow, ProductRow } from '../../domain/model.js';
import type { Scope } from '../scope.js';
import type { ShopRepository } from '../types.js';

export class KyselyShop implements ShopRepository {
  readonly #s: Scope;

  constructor(scope: Scope) {
    this.#s = scope;
  }

  async upsertProducts(rows: ProductRow[]): Promise<void> {
    for (const p of rows) {
      await this.#s.db
        .insertInto('store_products')
        .values({ productId: p.productId, name: p.name, price: p.price, currency: p.currency, image: p.image })
        .onConflict((oc) => oc.column('productId').doUpdateSet({ name: p.name, price: p.price, currency: p.currency, image: p.image }))
        .execute();
    }
  }

  async listProducts(): Promise<ProductRow[]> {
    return this.#s.db.selectFrom('store_products').selectAll().orderBy('productId').execute();
  }

  async getProducts(ids: string[]): Promise<ProductRow[]> {
    if (ids.length === 0) return [];
    return this.#s.db.selectFrom('store_products').selectAll().where('productId', 'in', ids).execute();
  }

  async insertOrder(row: OrderRow): Promise<void> {
    await this.#s.db
      .insertInto('store_orders')
      .values({ orderId: row.orderId, amount: row.amount, currency: row.currency, items: JSON.stringify(row.items), createdAt: row.createdAt })
      .execute();
  }

  async getOrder(orderId: string): Promise<OrderRow | undefined> {
    const r = await this.#s.db.selectFrom('store_orders').selectAll().where('orderId', '=', orderId).executeTakeFirst();
    return r && { ...r, items: JSON.parse(r.items) };
  }
}
