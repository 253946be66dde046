/** The shopping cart, kept in localStorage so it survives reloads and is shared by the tabs of the shop (its order: open-order.ts). */

export interface CartLine {
  productId: string;
  quantity: number;
}

const KEY = 'demo.cart.v1';
export const MAX_QUANTITY = 10;

type Listener = (lines: CartLine[]) => void;
const listeners = new Set<Listener>();

export function readCart(): CartLine[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((l): l is CartLine => typeof l?.productId === 'string' && Number.isInteger(l?.quantity) && l.quantity > 0)
      .map((l) => ({ productId: l.productId, quantity: Math.min(l.quantity, MAX_QUANTITY) }));
  } catch {
    return [];
  }
}

function write(lines: CartLine[]): void {
  localStorage.setItem(KEY, JSON.stringify(lines));
  for (const l of listeners) l(lines);
}

export function addToCart(productId: string, quantity = 1): void {
  const lines = readCart();
  const line = lines.find((l) => l.productId === productId);
  if (line) line.quantity = Math.min(line.quantity + quantity, MAX_QUANTITY);
  else lines.push({ productId, quantity: Math.min(quantity, MAX_QUANTITY) });
  write(lines);
}

export function setQuantity(productId: string, quantity: number): void {
  const lines = readCart()
    .map((l) => (l.productId === productId ? { ...l, quantity: Math.min(Math.max(0, quantity), MAX_QUANTITY) } : l))
    .filter((l) => l.quantity > 0);
  write(lines);
}

export function clearCart(): void {
  write([]);
}

export function cartSize(lines = readCart()): number {
  return lines.reduce((n, l) => n + l.quantity, 0);
}

export function onCartChange(listener: Listener): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => {
    if (e.key === KEY) listener(readCart());
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** Keeps every `[data-cart-count]` element in the page showing the number of items in the cart. */
export function mountCartCount(root: ParentNode = document): void {
  const update = (lines: CartLine[]) => {
    const n = cartSize(lines);
    for (const el of root.querySelectorAll<HTMLElement>('[data-cart-count]')) {
      el.textContent = String(n);
      el.hidden = n === 0;
    }
    for (const el of root.querySelectorAll<HTMLElement>('[data-cart-suffix]')) {
      el.textContent = n === 1 ? ' item' : ' items';
      el.hidden = n === 0;
    }
  };
  update(readCart());
  onCartChange(update);
}
