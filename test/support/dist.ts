/**
 * The built client (dist/) that the browser suites and the end-to-end bench run against: where it is, making sure it is
 * complete, a server that serves it, and a demo-store order to pay. Free of vitest and the DOM, so bench/ uses it too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, type StartOptions, type StartedServer } from './server.js';

/** The built client the server serves: dist/, or E2E_STATIC_DIR (a copy to try things on without touching dist/). */
export const DIST = process.env.E2E_STATIC_DIR ?? join(ROOT, 'dist');

/** `startServer()` serving DIST. */
export function startE2EServer(opts: StartOptions = {}): Promise<StartedServer> {
  const env = process.env.E2E_STATIC_DIR ? { STATIC_DIR: process.env.E2E_STATIC_DIR, ...opts.env } : opts.env;
  return startServer({ ...opts, env });
}

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/**
 * The widget and the demo must be built (`npm run build`); the worker is rebuilt here when it is older than what it
 * precaches or than its sources, so its manifest always matches the files served.
 */
export function ensureBuilt(): void {
  for (const file of ['payment-checkout.js', 'demo/checkout.html']) {
    if (!existsSync(join(DIST, file))) throw new Error(`${join(DIST, file)} is missing: run \`npm run build\` first.`);
  }
  const sw = join(DIST, 'payment-sw.js');
  const inputs = Math.max(
    newest(join(DIST, 'payment-checkout.js')),
    newest(join(DIST, 'demo/checkout.html')),
    newest(join(ROOT, 'sw/src')),
    newest(join(ROOT, 'widget/src/shared')),
  );
  if (!existsSync(sw) || statSync(sw).mtimeMs < inputs)
    execFileSync(process.execPath, [join(ROOT, 'sw/build.mjs')], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, PAYMENT_SW_DIST_DIR: DIST } });
}

/** A fresh order from the demo store (its amount comes from the server). */
export async function createOrder(baseURL: string, quantity = 1): Promise<string> {
  const products = (await (await fetch(`${baseURL}/api/store/products`)).json()) as { products: { productId: string }[] };
  const res = await fetch(`${baseURL}/api/store/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ productId: products.products[0].productId, quantity }] }),
  });
  if (res.status !== 201) throw new Error(`order creation failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { orderId: string }).orderId;
}
