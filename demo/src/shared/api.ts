/** Small fetch helpers for the demo pages: JSON in and out, the contract's error shape turned into an ApiError. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Product {
  productId: string;
  name: string;
  /** Minor units (cents). */
  price: number;
  currency: string;
  image?: string;
  description?: string;
}

export interface OrderItem {
  productId: string;
  quantity: number;
  name?: string;
  price?: number;
  unitPrice?: number;
}

export interface Order {
  orderId: string;
  amount: number;
  currency: string;
  items: OrderItem[];
  paid?: boolean;
  /** A payment for it is under way at the server (its outcome not yet known). */
  paying?: boolean;
  /** Present once paid: as the server recorded the payment. */
  payment?: OrderPayment;
  createdAt?: string;
}

export interface OrderPayment {
  paymentId: string;
  /** ISO date-time the payment was confirmed. */
  paidAt: string;
  brand: string | null;
  last4: string | null;
}

export async function fetchJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/json');
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers });
  } catch {
    // Offline, or online and the server is away: said apart, since only the first is the shopper's to fix.
    const offline = navigator.onLine === false;
    throw new ApiError(
      0,
      'network_error',
      offline ? 'You are offline. Check your connection and try again.' : 'The payment server cannot be reached right now.',
    );
  }
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: fall through with an unknown body */
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `The server answered ${res.status}.`);
  }
  return body as T;
}

export const storeApi = {
  products: () => fetchJson<{ products: Product[] }>('/api/store/products').then((r) => r.products),
  createOrder: (items: { productId: string; quantity: number }[]) => fetchJson<Order>('/api/store/orders', { method: 'POST', body: JSON.stringify({ items }) }),
  order: (orderId: string) => fetchJson<Order>(`/api/store/orders/${encodeURIComponent(orderId)}`),
};

/** The last path segment after `prefix` (`/checkout/ord_1` → `ord_1`), or '' when absent. */
export function idFromPath(prefix: string, path = location.pathname): string {
  if (!path.startsWith(prefix)) return '';
  return decodeURIComponent(path.slice(prefix.length).split('/')[0] ?? '');
}
