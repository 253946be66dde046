/**
 * Widget figures for `npm run bench`: the size of dist/payment-checkout.js (minified, gzip, brotli; Lit and idb included:
 * everything the browser downloads before the widget renders), the same for the entry plus every chunk it imports lazily
 * (both locales' strings, card fields, live status, diagnosis, and the service-worker bridge with workbox-window), and,
 * in Debian's Chromium, the time from the element's definition to the restored session rendered after a reload
 * (IndexedDB read, tab lock, first render with the session id), over RELOADS reloads against a real server.
 * Baselines measured in the same run: the first visit (session created over HTTP) and the module's own load time.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/support/chromium.js';
import { ROOT, startServer } from '../test/support/server.js';

const RELOADS = 21;
/**
 * The bench page, served by the server from a copy of the build (the `/demo/*` files, `no-cache` like a shop's page) rather
 * than by a Playwright route: routing turns Chromium's HTTP cache off, and a real reload takes the widget's hashed,
 * immutable chunks from that cache.
 */
const PAGE_PATH = '/demo/__bench-widget.html';

interface Sizes {
  gzipBytes: number;
  brotliBytes: number;
  minBytes: number;
}

export interface WidgetBench extends Sizes {
  /** The entry and every chunk it imports (statically or dynamically), summed file by file. */
  withLazyChunks: Sizes & { files: string[] };
  restoreMsMedian: number;
  restoreMsP95: number;
  /** Defined → the restored view in words (its Pay button shown): the session id can come before its words. */
  readyMsMedian: number;
  readyMsP95: number;
  baseline: { firstVisitMsMedian: number; moduleLoadMsMedian: number; reloads: number };
  /** With a probe: each reload's marks. */
  marks?: [string, number][][];
}

/**
 * How the page hands its figures over: a console message, which Playwright hears without running anything in the
 * page. Waiting with `waitForFunction` instead made Playwright evaluate its injected script (30–40 ms of the page's
 * main thread, in a Chromium trace) in the middle of the restore it measured.
 */
const RESULT = '__bench ';

/** The page's next figures, from its console. */
function nextResult(tab: Page): Promise<PageResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (tab.off('console', onConsole), reject(new Error('the bench page gave no figures in 20 s'))), 20_000);
    const onConsole = (msg: ConsoleMessage) => {
      if (!msg.text().startsWith(RESULT)) return;
      clearTimeout(timer);
      tab.off('console', onConsole);
      resolve(JSON.parse(msg.text().slice(RESULT.length)) as PageResult);
    };
    tab.on('console', onConsole);
  });
}

interface PageResult {
  moduleMs: number;
  renderMs: number;
  readyMs: number;
  /** With a probe (`bench/widget-breakdown.ts`): `[step, ms since the element's definition]`. */
  marks?: [string, number][];
}

/**
 * The page measures itself: module loaded → element defined → session id rendered in the shadow root → the ready view
 * in words (the Pay button, which waits for the locale's words when the entry does not carry them).
 */
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>
<script type="module">
const RESULT = '${RESULT}';
const t0 = performance.now();
await import('/payment-checkout.js');
await customElements.whenDefined('payment-checkout');
const defined = performance.now();
const el = document.createElement('payment-checkout');
el.setAttribute('order-id', new URLSearchParams(location.search).get('order'));
const restored = new Promise((resolve) => {
  let observer;
  const check = () => {
    const id = el.shadowRoot?.querySelector('[part~="session-id"]')?.textContent ?? '';
    if (/cs_/.test(id)) { observer?.disconnect(); resolve(performance.now()); return true; }
    return false;
  };
  el.addEventListener('checkout-status', check);
  queueMicrotask(() => {
    observer = new MutationObserver(check);
    observer.observe(el.shadowRoot, { subtree: true, childList: true, characterData: true });
  });
});
document.body.append(el);
const payable = new Promise((resolve) => {
  const check = () => el.shadowRoot?.querySelector('[part~="pay-button"]') && (observer.disconnect(), resolve(performance.now()));
  const observer = new MutationObserver(check);
  queueMicrotask(() => observer.observe(el.shadowRoot, { subtree: true, childList: true }));
});
const [rendered, ready] = await Promise.all([restored, payable]);
const result = { moduleMs: defined - t0, renderMs: rendered - defined, readyMs: ready - defined };
if (window.__marks) {
  // bench/widget-breakdown.ts: its probe's marks, and the chunks' resource timing, in ms since \`defined\`.
  await new Promise((r) => setTimeout(r, 300)); // the GET session and what follows it, for the record
  const chunks = performance.getEntriesByType('resource').filter((e) => /payment-checkout/.test(e.name));
  result.marks = [
    ...window.__marks.map(([name, t]) => [name, t - defined]),
    ...chunks.flatMap((e) => {
      const name = 'chunk ' + (/payment-checkout-([a-z-]+)\\./.exec(e.name)?.[1] ?? 'entry');
      return [[name + ' requested', e.startTime - defined], [name + (e.transferSize ? ' arrived' : ' arrived (cache)'), e.responseEnd - defined]];
    }),
    ['session id shown', rendered - defined],
    ['pay button shown', ready - defined],
  ];
}
console.debug(RESULT + JSON.stringify(result));
</script></body></html>`;

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
}

function sizesOf(dist: string, file: string): Sizes {
  const bytes = readFileSync(join(dist, file));
  return {
    minBytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    brotliBytes: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** The entry and the chunks it imports by relative path (as the worker's precache manifest finds them), transitively. */
function chunksOf(dist: string, entry: string, seen = new Set<string>([entry])): string[] {
  const source = readFileSync(join(dist, entry), 'utf8');
  for (const [, spec] of source.matchAll(/(?:import|from)\s*\(?\s*["'](\.{1,2}\/[^"']+\.js)["']/g)) {
    const file = posix.normalize(posix.join(posix.dirname(entry), spec));
    if (seen.has(file) || !existsSync(join(dist, file))) continue;
    seen.add(file);
    chunksOf(dist, file, seen);
  }
  return [...seen];
}

export interface WidgetBenchOptions {
  /** The build to measure (default: this checkout's dist/). */
  dist?: string;
  /** A script run in the page before its own (`addInitScript`) that fills `window.__marks` with `[step, ms]`. */
  probe?: string;
}

export async function benchWidget({ dist = join(ROOT, 'dist'), probe }: WidgetBenchOptions = {}): Promise<WidgetBench> {
  const sizes = sizesOf(dist, 'payment-checkout.js');
  const files = chunksOf(dist, 'payment-checkout.js');
  const all = files.map((f) => sizesOf(dist, f));
  const sum = (k: keyof Sizes) => all.reduce((n, s) => n + s[k], 0);
  const withLazyChunks = { files, minBytes: sum('minBytes'), gzipBytes: sum('gzipBytes'), brotliBytes: sum('brotliBytes') };

  const staticDir = mkdtempSync(join(tmpdir(), 'pc-bench-widget-'));
  cpSync(dist, staticDir, { recursive: true });
  writeFileSync(join(staticDir, PAGE_PATH), PAGE);
  const server = await startServer({ env: { RATE_LIMIT_CREATE_PER_MIN: '100000', STATIC_DIR: staticDir } });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const orderOf = async () => {
      const { products } = (await (await fetch(`${server.url}/api/store/products`)).json()) as { products: { productId: string }[] };
      const res = await fetch(`${server.url}/api/store/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ productId: products[0].productId, quantity: 1 }] }),
      });
      return ((await res.json()) as { orderId: string }).orderId;
    };
    const first: number[] = [];
    const restore: number[] = [];
    const ready: number[] = [];
    const moduleLoad: number[] = [];
    const marks: [string, number][][] = [];
    for (let round = 0; round < 3; round++) {
      const orderId = await orderOf();
      // The page's CSP (from the server, as for a shop page) would refuse Playwright's string predicates.
      const context = await browser.newContext({ bypassCSP: true });
      if (probe) await context.addInitScript(probe);
      const tab = await context.newPage();
      const visit = nextResult(tab);
      await tab.goto(`${server.url}${PAGE_PATH}?order=${encodeURIComponent(orderId)}`);
      first.push((await visit).renderMs);
      // The first visit renders before its session is saved; wait until it is, so every reload restores.
      await tab.waitForFunction(`document.querySelector('payment-checkout')?.getAttribute('status') === 'initiated'`);
      for (let i = 0; i < RELOADS / 3; i++) {
        const next = nextResult(tab);
        await tab.reload();
        const m = await next;
        if (m.marks) marks.push(m.marks);
        restore.push(m.renderMs);
        ready.push(m.readyMs);
        moduleLoad.push(m.moduleMs);
      }
      await context.close();
    }
    return {
      ...sizes,
      withLazyChunks,
      restoreMsMedian: quantile(restore, 0.5),
      restoreMsP95: quantile(restore, 0.95),
      readyMsMedian: quantile(ready, 0.5),
      readyMsP95: quantile(ready, 0.95),
      baseline: { firstVisitMsMedian: quantile(first, 0.5), moduleLoadMsMedian: quantile(moduleLoad, 0.5), reloads: restore.length },
      ...(probe ? { marks } : {}),
    };
  } finally {
    await browser.close();
    // SIGTERM drains in-flight work; a server that has not exited after 5 s is killed rather than left behind.
    await Promise.race([server.stop(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await server.kill();
    server.cleanup();
    rmSync(staticDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `npx tsx bench/widget.ts [dist dir]`: another build (e.g. a baseline worktree's) measured by this bench.
  console.log(JSON.stringify(await benchWidget(process.argv[2] ? { dist: process.argv[2] } : {}), null, 2));
}
