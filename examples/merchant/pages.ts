/** The example shop's HTML: a catalogue, an order page (paid or not, from the shop's own records) and two checkout pages. */
import { CATALOGUE, type Order } from './orders.js';

const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const money = (minor: number, currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100);

/**
 * The shop's one stylesheet (inline: the CSP allows inline styles, not scripts). Light by default, dark when the browser
 * prefers it (`color-scheme: light dark` gives the canvas and the native controls their dark look too). The colours are
 * the demo storefront's (demo/src/styles/theme.css). The widget is not themed here: it follows `prefers-color-scheme`
 * by itself (widget/README.md); a shop that wants its own colours sets the `--checkout-*` properties on it.
 */
const STYLE = `:root{color-scheme:light dark;--bg:#f6f7f9;--surface:#fff;--border:#dde1e7;--text:#1a1f29;--text-muted:#535c6b;
--accent:#3a4fd6;--accent-strong:#2c3cb0;--accent-contrast:#fff;--ok:#146c3a;--warn:#8a5a00;--focus:rgb(58 79 214 / 45%)}
@media (prefers-color-scheme:dark){:root{--bg:#0f1218;--surface:#181c24;--border:#303644;--text:#e8ebf1;--text-muted:#a3acbb;
--accent:#8c9bff;--accent-strong:#aab5ff;--accent-contrast:#0f1218;--ok:#5fd192;--warn:#f0bf5a;--focus:rgb(140 155 255 / 55%)}}
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;background:var(--bg);color:var(--text)}
a{color:var(--accent);text-underline-offset:2px}a:hover{color:var(--accent-strong)}
table{border-collapse:collapse;width:100%}td,th{padding:.3rem .5rem;border-bottom:1px solid var(--border);text-align:left}
.paid{color:var(--ok)}.unpaid{color:var(--warn)}#note{color:var(--text-muted)}
a.button,button{display:inline-block;margin:.3rem .5rem .3rem 0;padding:.4rem .9rem;border:1px solid transparent;border-radius:8px;
font:inherit;font-weight:600;text-decoration:none;cursor:pointer;background:var(--accent);color:var(--accent-contrast)}
a.button:hover,button:hover{background:var(--accent-strong);color:var(--accent-contrast)}
input{font:inherit;width:5rem;padding:.2rem .4rem;border:1px solid var(--text-muted);border-radius:6px;background:var(--surface);color:var(--text)}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px;box-shadow:0 0 0 4px var(--focus)}`;

function layout(title: string, body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${esc(title)} · Example Tea Shop</title>
<style>${STYLE}</style>
${head}<script src="/shop.js" defer></script></head><body><header><p><a href="/">Example Tea Shop</a> — a merchant on its own origin</p></header><main>${body}</main></body></html>`;
}

/** A page that only says something (no such order, an order that cannot be made), in the shop's look. */
export function messagePage(title: string, message: string, link: { href: string; text: string } = { href: '/', text: 'Back to the shop' }): string {
  return layout(title, `<h1>${esc(title)}</h1><p>${esc(message)} <a href="${esc(link.href)}">${esc(link.text)}</a></p>`);
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
