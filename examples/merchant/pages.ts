/** The example shop's HTML: a catalogue, an order page (paid or not, from the shop's own records) and two checkout pages. */
import { CATALOGUE, type Order } from './orders.js';

const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const money = (minor: number, currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100);

function layout(title: string, body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Example Tea Shop</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}
td,th{padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:left}.paid{color:#176b2c}.unpaid{color:#9a3b00}a.button,button{display:inline-block;margin:.3rem .5rem .3rem 0}</style>
${head}<script src="/shop.js" defer></script></head><body><p><a href="/">Example Tea Shop</a> — a merchant on its own origin</p>${body}</body></html>`;
}

export function cataloguePage(): string {
  const rows = CATALOGUE.map(
    (p) => `<tr><td>${esc(p.name)}</td><td>${money(p.price, p.currency)}</td>
<td><input type="number" name="qty_${esc(p.productId)}" value="0" min="0" max="20" aria-label="Quantity of ${esc(p.name)}"></td></tr>`,
  ).join('');
  return layout('Shop', `<h1>Teas and teaware</h1><form method="post" action="/orders"><table>${rows}</table><button type="submit">Order</button></form>`);
}

export function orderPage(order: Order, note = ''): string {
  const lines = order.items
    .map((i) => `<tr><td>${esc(i.name)}</td><td>${i.quantity}</td><td>${money(i.price * i.quantity, order.currency)}</td></tr>`)
    .join('');
  const status = order.paid
    ? `<p id="order-status" class="paid" data-order-id="${esc(order.orderId)}" data-paid="true">Paid (${esc(order.paid.via)}, payment ${esc(order.paid.paymentId ?? '')}). We ship it.</p>`
    : `<p id="order-status" class="unpaid" data-order-id="${esc(order.orderId)}" data-paid="false">Not paid yet. This page updates when the payment server confirms the payment.</p>`;
  const pay = order.paid
    ? ''
    : `<p><a class="button" id="pay-signed" href="/orders/${esc(order.orderId)}/pay">Pay (signed order)</a>
<a class="button" id="pay-server" href="/orders/${esc(order.orderId)}/pay-server">Pay (session created by the shop's server)</a></p>
<form method="post" action="/orders/${esc(order.orderId)}/check"><button type="submit" id="check">Ask the payment server now</button></form>`;
  return layout(
    `Order ${order.orderId}`,
    `<h1>Order <code>${esc(order.orderId)}</code></h1><table>${lines}<tr><th colspan="2">Total</th><th>${money(order.amount, order.currency)}</th></tr></table>
${status}${note ? `<p id="note">${esc(note)}</p>` : ''}${pay}`,
  );
}

/** A checkout page: the widget from the payment server, the worker from this origin (the one-line shim, /payment-sw.js). */
export function checkoutPage(paymentUrl: string, order: Order, attributes: Record<string, string>): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join('');
  return layout(
    `Pay ${order.orderId}`,
    `<h1>Pay ${money(order.amount, order.currency)}</h1>
<payment-checkout api="${esc(paymentUrl)}/api/payments" sw="/payment-sw.js" data-order-id="${esc(order.orderId)}"${attrs}></payment-checkout>
<p><a href="/orders/${esc(order.orderId)}">Back to the order</a></p>`,
    `<script type="module" src="${esc(paymentUrl)}/payment-checkout.js"></script>`,
  );
}

/** The page script (no inline script: the pages' CSP allows scripts from this origin and the payment server only). */
export const SHOP_JS = `// The widget's events only move the shopper along: a page event can be forged from the console, so the order is paid
// only when the payment server says so (a verified webhook, or the shop's own read), never because of this event.
const checkout = document.querySelector('payment-checkout');
if (checkout) {
  const back = () => { location.href = '/orders/' + encodeURIComponent(checkout.dataset.orderId); };
  checkout.addEventListener('checkout-complete', back);
  checkout.addEventListener('checkout-cancel', back);
}
// The order page shows this shop's own records; while unpaid it looks again now and then.
const status = document.getElementById('order-status');
if (status && status.dataset.paid === 'false') {
  let left = 80;
  const timer = setInterval(async () => {
    if (--left < 0) return clearInterval(timer);
    const r = await fetch('/api/orders/' + encodeURIComponent(status.dataset.orderId)).catch(() => null);
    if (r && r.ok && (await r.json()).paid) { clearInterval(timer); location.reload(); }
  }, 1500);
}
`;
