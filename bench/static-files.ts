/**
 * Static files: server/static.ts (ours: precompressed by Accept-Encoding, mtime-checked, a CSP per page) against
 * @hono/node-server's `serveStatic({ precompressed: true })`, both on the built dist/, same machine, same run.
 * Two routes: the widget bundle (brotli) and the checkout page (brotli; ours adds its CSP). Bytes per answer show what
 * compression saves.
 */
import autocannon from 'autocannon';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serveClient } from '../server/static.js';
import { ROOT } from './procs.js';

export interface StaticResult {
  ours: { widget: number; page: number; p99Ms: number };
  serveStatic: { widget: number; page: number; p99Ms: number };
  widgetBytes: { identity: number; br: number };
}

async function listen(app: Hono): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((res) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => res(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function load(url: string, path: string, durationSec: number) {
  const r = await autocannon({ url: url + path, connections: 20, duration: durationSec, headers: { 'accept-encoding': 'br, gzip' } });
  if (r.non2xx || r.errors) throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: Math.round(r.requests.average), p99: r.latency.p99 };
}

export async function staticFiles(durationSec = 5): Promise<StaticResult> {
  const dist = join(ROOT, 'dist');
  const ours = new Hono();
  serveClient(ours, dist);
  const theirs = new Hono();
  theirs.get('/payment-checkout.js', serveStatic({ root: dist, path: 'payment-checkout.js', precompressed: true }));
  theirs.get('/checkout/:id', serveStatic({ root: dist, path: 'demo/checkout.html', precompressed: true }));
  const a = await listen(ours);
  const b = await listen(theirs);
  try {
    const identity = (await (await fetch(`${a.url}/payment-checkout.js`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer()).byteLength;
    const brRes = await import('node:http').then(
      (http) =>
        new Promise<number>((res) =>
          http.get(`${a.url}/payment-checkout.js`, { headers: { 'accept-encoding': 'br' } }, (r) => {
            let n = 0;
            r.on('data', (d: Buffer) => (n += d.length));
            r.on('end', () => res(n));
          }),
        ),
    );
    const ow = await load(a.url, '/payment-checkout.js', durationSec);
    const tw = await load(b.url, '/payment-checkout.js', durationSec);
    const op = await load(a.url, '/checkout/ord_1', durationSec);
    const tp = await load(b.url, '/checkout/ord_1', durationSec);
    return {
      ours: { widget: ow.rps, page: op.rps, p99Ms: Math.max(ow.p99, op.p99) },
      serveStatic: { widget: tw.rps, page: tp.rps, p99Ms: Math.max(tw.p99, tp.p99) },
      widgetBytes: { identity, br: brRes },
    };
  } finally {
    await a.close();
    await b.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await staticFiles(Number(process.argv[2] ?? 5)), null, 2));

/** The table rows for bench/run.ts. */
export function staticRows(r: StaticResult) {
  const row = (metric: string, value: string, baseline: string) => ({ section: 'static', metric, value, baseline, goal: '', ok: null });
  return [
    row('widget bundle, brotli, 20 conn (server/static.ts)', `${r.ours.widget} req/s`, `serveStatic precompressed: ${r.serveStatic.widget} req/s`),
    row('checkout page + CSP, brotli, 20 conn', `${r.ours.page} req/s`, `serveStatic (no CSP): ${r.serveStatic.page} req/s`),
    row(
      'payment-checkout.js over the wire',
      `${(r.widgetBytes.br / 1024).toFixed(1)} KiB brotli`,
      `uncompressed ${(r.widgetBytes.identity / 1024).toFixed(1)} KiB`,
    ),
  ];
}
