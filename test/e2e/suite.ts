/**
 * One test file's browser set-up, written once: the built client, the file's server and one Chromium (started before
 * the first test, stopped after the last), a context per `open()` that is closed after its test, and on a failure what
 * the pages, the widget and the server said. Used by the e2e and demo suites alike.
 *
 * ```ts
 * const run = browserSuite({ env: { PAYMENT_TIMEOUT_MS: '3000' } });
 * it('pays', async () => {
 *   const orderId = await createOrder(run.server.url);
 *   const { page } = await run.openCheckout(orderId, { worker: true });
 * });
 * ```
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Browser, BrowserContextOptions } from 'playwright-core';
import type { StartOptions, StartedServer } from '../support/server.js';
import { ensureBuilt, launch, openContext, recordWidget, startE2EServer, trace, waitForStatus, waitForWorker, type Opened } from './support.js';

export interface OpenOptions {
  /** The server (or any origin) to open the context on; default: the file's server. */
  on?: StartedServer | string;
  /** Overrides of the context (viewport, colour scheme…). */
  context?: BrowserContextOptions;
  /** Record what the widget shows (recordWidget), so a failure prints it and a test can read it with trace(). */
  record?: boolean;
}

export interface CheckoutOptions extends OpenOptions {
  /** Appended to /checkout/<orderId>, e.g. `?timeout=1000`. */
  query?: string;
  /** Also wait until the service worker controls the page. */
  worker?: boolean;
}

export interface Suite {
  /** The file's server (after a restart(), the new one). */
  readonly server: StartedServer;
  readonly browser: Browser;
  /** Uncaught errors of the pages open() opened, for a file's last test to expect none. */
  readonly pageErrors: string[];
  /** A fresh context and page; closed after the test. */
  open(opts?: OpenOptions): Promise<Opened>;
  /** open(), then the demo checkout page of `orderId` with the widget ready to pay (`initiated`). */
  openCheckout(orderId: string, opts?: CheckoutOptions): Promise<Opened>;
  /** Stops the file's server and starts it again on the same port and data, with `env` over the file's. */
  restart(env?: StartOptions['env']): Promise<StartedServer>;
  /**
   * A server of the test's own, to stop and bring back (`restart`: same port, same data, the file's settings);
   * both are stopped and the data removed when `body` ends.
   */
  withOwnServer<T>(body: (own: StartedServer, restart: () => Promise<StartedServer>) => Promise<T>): Promise<T>;
}

/**
 * Registers the file's hooks and returns its suite. `opts` are the server's settings, or a function that makes them
 * once the client is built (for a test that needs a copy of it, or a merchant origin to allow); `defaults`, what every
 * open() of the file starts from.
 */
export function browserSuite(opts: StartOptions | (() => StartOptions | Promise<StartOptions>) = {}, defaults: OpenOptions = {}): Suite {
  let settings: StartOptions = {};
  let server: StartedServer | undefined;
  let browser: Browser | undefined;
  const opened: { opened: Opened; recorded: boolean }[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    settings = typeof opts === 'function' ? await opts() : opts;
    server = await startE2EServer(settings);
    browser = await launch();
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      const pages = await Promise.all(
        opened.map(async ({ opened: o, recorded }, i) => {
          const seen =
            recorded && !o.page.isClosed()
              ? await Promise.race([
                  trace(o.page).catch(() => []),
                  new Promise<string[]>((r) => setTimeout(() => r(['(no trace: the page did not answer in 5 s)']), 5_000)),
                ])
              : [];
          return `context ${i + 1}${recorded ? `, widget trace:\n${seen.join('\n')}` : ''}\nlogs:\n${o.logs.join('\n')}`;
        }),
      );
      console.log(`--- "${ctx.task.name}"\n${pages.join('\n')}\nserver:\n${server?.output().slice(-3000) ?? ''}`);
    }
    // Bounded: a context whose page hangs in a navigation can take Playwright's close with it.
    for (const { opened: o } of opened.splice(0)) await Promise.race([o.context.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    server?.cleanup();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started: use it inside a test or hook`);
    return value;
  };

  const suite: Suite = {
    get server() {
      return started(server, 'the server');
    },
    get browser() {
      return started(browser, 'the browser');
    },
    pageErrors,

    async open(overrides = {}) {
      const { on, context, record = false } = { ...defaults, ...overrides };
      const baseURL = typeof on === 'string' ? on : (on ?? suite.server).url;
      const o = await openContext(suite.browser, baseURL, context);
      opened.push({ opened: o, recorded: record });
      o.page.on('pageerror', (e) => pageErrors.push(`${o.page.url()}: ${e.message}`));
      if (record) await recordWidget(o.context);
      return o;
    },

    async openCheckout(orderId, { query = '', worker = false, ...open } = {}) {
      const o = await suite.open(open);
      await o.page.goto(`/checkout/${orderId}${query}`);
      await waitForStatus(o.page, 'initiated');
      if (worker) await waitForWorker(o.page);
      return o;
    },

    async restart(env) {
      const { port, dataDir } = suite.server;
      await suite.server.stop();
      server = await startE2EServer({ ...settings, env: { ...settings.env, ...env }, port, dataDir });
      return server;
    },

    async withOwnServer(body) {
      const own = await startE2EServer(settings);
      let back: StartedServer | undefined;
      try {
        return await body(own, async () => (back = await startE2EServer({ ...settings, port: own.port, dataDir: own.dataDir })));
      } finally {
        await back?.stop();
        await own.stop();
        own.cleanup();
      }
    },
  };
  return suite;
}
