/** Table shapes as Kysely sees them (snake_case, JSON kept as text so both engines store it the same way). */
export interface SessionsTable {
  id: string;
  order_id: string;
  user_id: string | null;
  status: string;
  amount: number;
  currency: string;
  attempts: number;
  max_attempts: number;
  charged_attempt: number;
  created_at: number;
  updated_at: number;
  expires_at: number;
  final_at: number | null;
  payment_id: string | null;
  last_error: string | null;
  metadata: string;
  merchant_metadata: string | null;
  secret_hash: string;
  version: number;
}
export interface ChargesTable {
  charge_key: string;
  session_id: string;
  attempt: number;
  status: string;
  amount: number;
  currency: string;
  started_at: number;
  deadline_at: number;
  resolved_at: number | null;
  payment_id: string | null;
  error_code: string | null;
}
export interface OrderPaymentsTable {
  order_id: string;
  session_id: string;
  state: string;
  updated_at: number;
}
export interface IdempotencyTable {
  scope: string;
  key: string;
  fingerprint: string;
  state: string;
  status_code: number | null;
  response_body: string | null;
  charge_key: string | null;
  created_at: number;
  expires_at: number;
  lease_until: number;
}
export interface ProductsTable {
  product_id: string;
  name: string;
  price: number;
  currency: string;
  image: string | null;
}
export interface OrdersTable {
  order_id: string;
  amount: number;
  currency: string;
  items: string;
  created_at: number;
}
export interface ProcessorTokensTable {
  token: string;
  brand: string;
  last4: string;
  behaviour: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}
export interface ProcessorChargesTable {
  charge_id: string;
  session_id: string;
  idempotency_key: string;
  amount: number;
  currency: string;
  status: string;
  failure_code: string | null;
  created_at: number;
  brand?: string | null;
  last4?: string | null;
}

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
