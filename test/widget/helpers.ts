/** Shared helpers for the widget suites: real orders from the demo store API, mounting, the card form, the ledger. */
import { waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { openDB } from 'idb';
import '../../widget/src/index.js';
import type { PaymentCheckout } from '../../widget/src/index.js';

export const API = '/api/payments';
export const CARDS = {
  ok: '4242 4242 4242 4242',
  declined: '4000 0000 0000 0002',
  insufficient: '4000 0000 0000 9995',
  transient: '4000 0000 0000 0119',
  slow: '4000 0000 0000 6975',
} as const;

const adminToken = (window as unknown as { __PC_TEST__: { adminToken: string } }).__PC_TEST__.adminToken;

/** A fresh order from the demo store of the server behind `prefix` (`''` = main server, `/expiring` = short TTL). */
export async function createOrder(prefix = ''): Promise<string> {
  const { products } = await (await fetch(`${prefix}/api/store/products`)).json();
  const res = await fetch(`${prefix}/api/store/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ productId: products[0].productId, quantity: 1 }] }),
  });
  if (res.status !== 201) throw new Error(`order: ${res.status} ${await res.text()}`);
  return (await res.json()).orderId;
}

/** The page's API requests whose path contains `match` fail as with no network (`offline` false: they go through again). */
export const network = (offline: boolean, match = '') => executeServerCommand('network', { offline, match });

export type Recorded = { type: string; detail: Record<string, unknown> }[];

/** Creates the element with attributes, records its events from the start, and appends it to the page. */
export function mount(attrs: Record<string, string>, events: Recorded = []): PaymentCheckout {
  const el = document.createElement('payment-checkout');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const type of ['checkout-ready', 'checkout-status', 'checkout-complete', 'checkout-cancel', 'checkout-error']) {
    el.addEventListener(type, (e) => events.push({ type, detail: { ...(e as CustomEvent).detail } }));
  }
  document.body.append(el);
  return el;
}

export function unmountAll(): void {
  document.querySelectorAll('payment-checkout').forEach((el) => el.remove());
}

export const part = <T extends HTMLElement = HTMLElement>(el: PaymentCheckout, name: string) => el.shadowRoot!.querySelector<T>(`[part~="${name}"]`);

/** Whether a part is rendered (assert on booleans: a failing assertion on a DOM node cannot be reported by the runner). */
export const has = (el: PaymentCheckout, name: string) => part(el, name) !== null;

/** The `part` of the element focused inside the widget, or null. */
export const focusedPart = (el: PaymentCheckout) => el.shadowRoot!.activeElement?.getAttribute('part') ?? null;

export async function waitForStatus(el: PaymentCheckout, status: string, timeout = 20_000): Promise<void> {
  await waitUntil(() => el.getAttribute('status') === status, `status ${status} (is ${el.getAttribute('status')}: ${part(el, 'message')?.textContent})`, {
    timeout,
    interval: 20,
  });
}

export async function waitForPart(el: PaymentCheckout, name: string, timeout = 20_000): Promise<HTMLElement> {
  await waitUntil(() => part(el, name) && !(part(el, name) as HTMLButtonElement).disabled, `part ${name}`, { timeout, interval: 20 });
  return part(el, name)!;
}

export async function waitForEvent(events: Recorded, type: string, timeout = 20_000) {
  await waitUntil(() => events.some((e) => e.type === type), `event ${type}`, { timeout, interval: 20 });
  return events.filter((e) => e.type === type).at(-1)!.detail;
}

export function fillCard(el: PaymentCheckout, number: string, expiry = '12/34', cvc = '123'): void {
  for (const [name, value] of [
    ['card-number', number],
    ['card-expiry', expiry],
    ['card-cvc', cvc],
  ]) {
    const input = part<HTMLInputElement>(el, name)!;
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }
}

export async function payWith(el: PaymentCheckout, number: string): Promise<void> {
  await waitForPart(el, 'pay-button');
  fillCard(el, number);
  part(el, 'pay-button')!.click();
}

/** The test processor's ledger for one session (admin route). */
export async function chargesOf(sessionId: string): Promise<{ status: string; idempotencyKey: string }[]> {
  const res = await fetch(`${API}/test-processor/charges?sessionId=${encodeURIComponent(sessionId)}`, { headers: { authorization: `Bearer ${adminToken}` } });
  const { charges } = await res.json();
  return charges.filter((c: { sessionId: string }) => c.sessionId === sessionId);
}

export async function serverSession(sessionId: string, prefix = '') {
  const res = await fetch(`${prefix}${API}/session/${sessionId}/summary`, { headers: { authorization: `Bearer ${adminToken}` } });
  return res.json();
}

/** Everything the widget stored in IndexedDB, as JSON text; with `orderId`, only that order's sessions (other tests' records stay out). */
export async function storedText(orderId?: string): Promise<string> {
  const db = await openDB('payment-checkout');
  const sessions = (await db.getAll('sessions')).filter((r: { orderId: string }) => !orderId || r.orderId === orderId);
  const text = JSON.stringify({ sessions, outbox: orderId ? [] : await db.getAll('outbox') });
  db.close();
  return text;
}
