// Widget tests: Web Test Runner in Debian's Chromium against REAL server processes (test/support/server.ts).
// The dev server proxies /api/* to the main server and /expiring/* to a second one with a short SESSION_TTL_MS,
// so the pages talk to the API on their own origin (no CORS) exactly as the widget does in production.
import http from 'node:http';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { tsImport } from 'tsx/esm/api';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.mjs';

const { startServer } = await tsImport('./test/support/server.ts', import.meta.url);

const common = { RATE_LIMIT_CREATE_PER_MIN: '100000', RATE_LIMIT_TOKENS_PER_MIN: '100000', RATE_LIMIT_MUTATIONS_PER_MIN: '100000' };
// PAYMENT_TIMEOUT_MS 3 s: the slow test card (6975) answers after it, while the widget's own `timeout` in tests is shorter.
const main = await startServer({ env: { ...common, PAYMENT_TIMEOUT_MS: '3000' } });
const expiring = await startServer({ env: { ...common, SESSION_TTL_MS: '1500', SWEEP_INTERVAL_MS: '250' } });
// If the runner dies without its serverStop hook (Ctrl-C twice, a crash), the servers must not outlive it.
process.once('exit', () => {
  for (const s of [main, expiring]) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
});

/** Streams a request to `target` (SSE included) and cancels the upstream request when the page goes away. */
function proxy(prefix, target, strip = '') {
  return function proxyToServer(ctx, next) {
    if (!ctx.url.startsWith(prefix)) return next();
    ctx.respond = false;
    return new Promise((resolve) => {
      const url = new URL(ctx.url.slice(strip.length), target);
      const upstream = http.request(url, { method: ctx.method, headers: { ...ctx.req.headers, host: url.host } }, (res) => {
        ctx.res.writeHead(res.statusCode ?? 502, res.headers);
        res.pipe(ctx.res);
        res.on('close', resolve);
      });
      upstream.on('error', () => {
        if (!ctx.res.headersSent) ctx.res.writeHead(502, { 'content-type': 'application/json' });
        ctx.res.end('{"error":{"code":"proxy_error","message":"upstream failed"}}');
        resolve();
      });
      ctx.res.on('close', () => upstream.destroy());
      ctx.req.pipe(upstream);
    });
  };
}

/** Test command `network {offline, match?}`: the page's API requests (whose path contains `match`) fail as with no network, or go through again. */
function networkControl() {
  const blocked = new Set();
  return {
    name: 'network-control',
    async executeCommand({ command, payload, session }) {
      if (command !== 'network') return undefined;
      const page = session.browser.getPage(session.id);
      if (!blocked.has(page)) {
        blocked.add(page);
        page.__offline = false;
        await page.setRequestInterception(true);
        page.on('request', (request) => {
          if (request.isInterceptResolutionHandled()) return;
          const path = new URL(request.url()).pathname;
          if (page.__offline && path.startsWith('/api/') && path.includes(page.__match)) void request.abort('internetdisconnected');
          else void request.continue();
        });
      }
      page.__offline = payload.offline;
      page.__match = payload.match ?? '';
      return true;
    },
  };
}

export default {
  files: ['test/widget/**/*.test.ts', '!test/widget/**/*.node.test.ts'],
  nodeResolve: { exportConditions: ['production'] },
  concurrency: 1, // HTTP/1.1 allows 6 connections per origin; every checkout holds one event stream
  testFramework: { config: { timeout: 30000 } },
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    }),
  ],
  middleware: [proxy('/expiring/', expiring.url, '/expiring'), proxy('/api/', main.url)],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'widget/tsconfig.json' }),
    networkControl(),
    {
      name: 'payment-servers',
      async serverStop() {
        await Promise.all([main.stop(), expiring.stop()]);
        main.cleanup();
        expiring.cleanup();
      },
    },
  ],
  testRunnerHtml: (testFramework) => `<!doctype html>
<html lang="en">
  <head><script>window.__PC_TEST__ = ${JSON.stringify({ adminToken: main.adminToken, directApi: `${main.url}/api/payments` })};</script></head>
  <body><script type="module" src="${testFramework}"></script></body>
</html>`,
};
