/**
 * Table shapes as the repositories see them: columns in camelCase, which Kysely's CamelCasePlugin maps to the tables'
 * snake_case names (store/scope.ts). Where a table holds the model's row as it is, its shape is that row; JSON is kept
 * as text so both engines store it the same way.
 */
import type { ChargeRow, IdempotencyRow, OrderRow, ProductRow, SessionRow } from '../domain/model.js';
import type { ProcessorChargeRow, ProcessorTokenRow } from '../processor/ledger.js';

/** A session with its three JSON columns as text. */
export type SessionsTable = Omit<SessionRow, 'lastError' | 'metadata' | 'merchantMetadata'> & {
  lastError: string | null;
  metadata: string;
  merchantMetadata: string | null;
};
export type ChargesTable = ChargeRow;
export interface OrderPaymentsTable {
  orderId: string;
  sessionId: string;
  state: 'charging' | 'paid';
  updatedAt: number;
}
export type IdempotencyTable = IdempotencyRow;
export type ProductsTable = ProductRow;
/** An order with its items as JSON text. */
export type OrdersTable = Omit<OrderRow, 'items'> & { items: string };
export type ProcessorTokensTable = ProcessorTokenRow;
export type ProcessorChargesTable = ProcessorChargeRow;

export interface DB {
  sessions: SessionsTable;
  charges: ChargesTable;
  order_payments: OrderPaymentsTable;
  idempotency_keys: IdempotencyTable;
  store_products: ProductsTable;
  store_orders: OrdersTable;
  processor_tokens: ProcessorTokensTable;
  processor_charges: ProcessorChargesTable;
}
