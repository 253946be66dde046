/** The demo shop's catalogue and orders (tables store_products, store_orders). */
import type { OrderRow, ProductRow } from '../../domain/model.js';
import { productFromDb } from '../rows.js';
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
        .values({ product_id: p.productId, name: p.name, price: p.price, currency: p.currency, image: p.image })
        .onConflict((oc) => oc.column('product_id').doUpdateSet({ name: p.name, price: p.price, currency: p.currency, image: p.image }))
        .execute();
    }
  }

  async listProducts(): Promise<ProductRow[]> {
    const rows = await this.#s.db.selectFrom('store_products').selectAll().orderBy('product_id').execute();
    return rows.map(productFromDb);
  }

  async getProducts(ids: string[]): Promise<ProductRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.#s.db.selectFrom('store_products').selectAll().where('product_id', 'in', ids).execute();
    return rows.map(productFromDb);
  }

  async insertOrder(row: OrderRow): Promise<void> {
    await this.#s.db
      .insertInto('store_orders')
      .values({ order_id: row.orderId, amount: row.amount, currency: row.currency, items: JSON.stringify(row.items), created_at: row.createdAt })
      .execute();
  }

  async getOrder(orderId: string): Promise<OrderRow | undefined> {
    const r = await this.#s.db.selectFrom('store_orders').selectAll().where('order_id', '=', orderId).executeTakeFirst();
    return r && { orderId: r.order_id, amount: Number(r.amount), currency: r.currency, items: JSON.parse(r.items), createdAt: Number(r.created_at) };
  }
}
