/**
 * Serves the built client: the widget bundle, the service worker and the demo pages, from STATIC_DIR (default dist/).
 * Pages are files; their ids come from `location` in the browser.
 */
import type { Hono } from 'hono';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

const PAGES: Record<string, string> = {
  '/': 'demo/index.html',
  '/cart': 'demo/cart.html',
  '/checkout/:orderId': 'demo/checkout.html',
  '/orders/:orderId': 'demo/order.html',
  '/admin': 'demo/admin.html',
};

export function serveClient(app: Hono, staticDir: string): void {
  const root = resolve(staticDir);

  async function send(relPath: string, headers: Record<string, string> = {}): Promise<Response | null> {
    const full = normalize(join(root, relPath));
    if (!full.startsWith(root + sep)) return null;
    try {
      if (!(await stat(full)).isFile()) return null;
      const body = await readFile(full);
      return new Response(body, { headers: { 'Content-Type': TYPES[extname(full)] ?? 'application/octet-stream', ...headers } });
    } catch {
      return null;
    }
  }

  const missing = (what: string) =>
    new Response(`${what} is not built yet: run \`npm run build\`.`, { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });

  // Merchants load the widget from their own pages on other origins: a module script across origins needs CORS.
  const PUBLIC = { 'Access-Control-Allow-Origin': '*' };
  app.get('/payment-checkout.js', async (c) => (await send('payment-checkout.js', { 'Cache-Control': 'no-cache', ...PUBLIC })) ?? missing('The widget'));
  // The widget's lazily loaded chunks (the service-worker bridge), imported by the entry relative to its own URL, so from
  // the merchant's page too: CORS like the entry. Their names carry a content hash, so they never change.
  app.get('/:chunk{payment-checkout-[\\w-]+\\.[\\w-]+\\.js}', async (c) =>
    (await send(c.req.param('chunk'), { 'Cache-Control': 'public, max-age=31536000, immutable', ...PUBLIC })) ?? c.notFound(),
  );
  app.get('/payment-sw.js', async (c) =>
    (await send('payment-sw.js', { 'Cache-Control': 'no-cache', 'Service-Worker-Allowed': '/' })) ?? missing('The service worker'),
  );
  app.get('/custom-elements.json', async () => (await send('custom-elements.json', PUBLIC)) ?? missing('The manifest'));
  for (const [route, file] of Object.entries(PAGES)) {
    app.get(route, async (c) => (await send(file, { 'Cache-Control': 'no-cache' })) ?? missing('The demo'));
  }
  app.get('/demo/*', async (c) => {
    const rel = c.req.path.slice(1);
    const cache = rel.startsWith('demo/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return (await send(rel, { 'Cache-Control': cache })) ?? c.notFound();
  });
}
