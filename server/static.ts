/**
 * Serves the built client: the widget bundle, the service worker and the demo pages, from STATIC_DIR (default dist/).
 * Pages are files; their ids come from `location` in the browser.
 *
 * - Compression: `npm run build` writes `.br` and `.gz` beside each compressible file (scripts/compress.mjs); the
 *   answer is the smallest one the request's `Accept-Encoding` allows, with `Vary: Accept-Encoding`. A compressed file
 *   older than its original (a partial rebuild) is never used.
 * - HTML pages carry a Content-Security-Policy: scripts and styles from this origin only, plus the SHA-256 hash of each
 *   inline `<script>`/`<style>` the page itself holds (the self-contained checkout page inlines both), computed from the
 *   file once per build. Style attributes stay allowed (`style-src-attr`): the demo's templates use a few; they cannot
 *   run script.
 *
 * Why not `serveStatic({ precompressed: true })` of @hono/node-server: it has no per-page CSP, and it is not faster.
 * `npx tsx bench/run.ts --only=static` (bench/static-files.ts, both on the built dist/, same run; 2 Dec 2026, 2 cores
 * under a load average of 17–20, three runs): the widget bundle, brotli, 20 connections, 909 / 1191 / 600 req/s here
 * against 682 / 466 / 366 req/s for serveStatic; the checkout page 1769 / 2281 / 676 req/s with its CSP against
 * 2383 / 1436 / 606 without.
 */
import type { Context, Hono } from 'hono';
import { createHash } from 'node:crypto';
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

/** Best first: brotli is smaller than gzip for the same text. */
const ENCODINGS = [
  ['br', '.br'],
  ['gzip', '.gz'],
] as const;

/** The encodings `Accept-Encoding` allows (q > 0), by RFC 9110's rules for the tokens we have. */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const ok = new Set<string>();
  let star: boolean | null = null;
  const listed = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    if (!token) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (token === '*') star = allowed;
    else {
      listed.add(token);
      if (allowed) ok.add(token);
    }
  }
  if (star) for (const [name] of ENCODINGS) if (!listed.has(name)) ok.add(name);
  return ok;
}

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page's CSP, with a hash for each of its inline scripts and style elements. */
export function pagePolicy(html: string): string {
  const inline = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}(\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'gi'))]
      .filter((m) => !/\ssrc=/i.test(m[1] ?? '') && m[2]!.length > 0)
      .map((m) => hash(m[2]!));
  return [
    "default-src 'self'",
    ["script-src 'self'", ...inline('script')].join(' '),
    ["style-src 'self'", ...inline('style')].join(' '),
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function serveClient(app: Hono, staticDir: string): void {
  const root = resolve(staticDir);
  const policies = new Map<string, { mtimeMs: number; policy: string }>();

  async function send(c: Context, relPath: string, headers: Record<string, string> = {}): Promise<Response | null> {
    const full = normalize(join(root, relPath));
    if (!full.startsWith(root + sep)) return null;
    try {
      const original = await stat(full);
      if (!original.isFile()) return null;
      const type = TYPES[extname(full)] ?? 'application/octet-stream';
      const out: Record<string, string> = { 'Content-Type': type, ...headers };
      if (type.startsWith('text/html')) out['Content-Security-Policy'] = await policyOf(full, original.mtimeMs);
      let file = full;
      if (/^(text\/|application\/(json|manifest)|image\/svg)/.test(type)) {
        out.Vary = 'Accept-Encoding';
        const accepted = acceptedEncodings(c.req.header('Accept-Encoding'));
        for (const [name, suffix] of ENCODINGS) {
          if (!accepted.has(name)) continue;
          const compressed = await stat(full + suffix).catch(() => null);
          if (compressed?.isFile() && compressed.mtimeMs >= original.mtimeMs) {
            file = full + suffix;
            out['Content-Encoding'] = name;
            break;
          }
        }
      }
      const body = await readFile(file);
      return new Response(c.req.method === 'HEAD' ? null : body, { headers: { ...out, 'Content-Length': String(body.length) } });
    } catch {
      return null;
    }
  }

  async function policyOf(file: string, mtimeMs: number): Promise<string> {
    const known = policies.get(file);
    if (known && known.mtimeMs === mtimeMs) return known.policy;
    const policy = pagePolicy(await readFile(file, 'utf8'));
    policies.set(file, { mtimeMs, policy });
    return policy;
  }

  const missing = (what: string) =>
    new Response(`${what} is not built yet: run \`npm run build\`.`, { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });

  // Merchants load the widget from their own pages on other origins: a module script across origins needs CORS.
  const PUBLIC = { 'Access-Control-Allow-Origin': '*' };
  app.get('/payment-checkout.js', async (c) => (await send(c, 'payment-checkout.js', { 'Cache-Control': 'no-cache', ...PUBLIC })) ?? missing('The widget'));
  // The widget's lazily loaded chunks (the service-worker bridge), imported by the entry relative to its own URL, so from
  // the merchant's page too: CORS like the entry. Their names carry a content hash, so they never change.
  app.get(
    '/:chunk{payment-checkout-[\\w-]+\\.[\\w-]+\\.js}',
    async (c) =>
      (await send(c, c.req.param('chunk'), { 'Cache-Control': 'public, max-age=31536000, immutable', ...PUBLIC })) ??
      // Most likely a page of an earlier build asking for its own chunks: said so, readable across origins (else the
      // browser reports a CORS error and the merchant looks for the wrong cause).
      new Response('This widget file is of another build than the one served here: reload the page.', {
        status: 404,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...PUBLIC },
      }),
  );
  app.get(
    '/payment-sw.js',
    async (c) => (await send(c, 'payment-sw.js', { 'Cache-Control': 'no-cache', 'Service-Worker-Allowed': '/' })) ?? missing('The service worker'),
  );
  app.get('/custom-elements.json', async (c) => (await send(c, 'custom-elements.json', PUBLIC)) ?? missing('The manifest'));
  for (const [route, file] of Object.entries(PAGES)) {
    app.get(route, async (c) => (await send(c, file, { 'Cache-Control': 'no-cache' })) ?? missing('The demo'));
  }
  app.get('/demo/*', async (c) => {
    const rel = c.req.path.slice(1);
    const cache = rel.startsWith('demo/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return (await send(c, rel, { 'Cache-Control': cache })) ?? c.notFound();
  });
}
