/**
 * Runs the whole server in this process: opens the store, seeds the demo, reconciles, serves HTTP, and shuts down cleanly.
 * main.ts calls it with the environment; tests and benchmarks may call it directly.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp, type App } from './app.js';
import { applyConnectionBudget, connectionBudget } from './connections.js';
import type { Config } from './config.js';
import { LocalSessionEvents, type SessionEvents } from './domain/events.js';
import { randomId } from './ids.js';
import { createHttpServer } from './http-layer.js';
import { createLogger, type Logger } from './log.js';
import { TestProcessor } from './processor/test-processor.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Store } from './store/types.js';
import { resolveWebhookSecret } from './webhooks/settings.js';

export interface RunningServer extends App {
  url: string;
  store: Store;
  log: Logger;
  /** Stops accepting, drains in-flight requests (and this process's processor calls), closes the store. */
  close(): Promise<void>;
}

/** dist/ of this package, whether running from server/*.ts (tsx) or dist/server/main.js. */
export function defaultStaticDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist');
    dir = dirname(dir);
  }
  return resolve('dist');
}

/** The admin token: ADMIN_TOKEN, else the one stored in DATA_DIR, else a new one (stored, and reported as generated). */
export function resolveAdminToken(config: Config): { token: string; generated: boolean; file: string } {
  const file = join(config.dataDir, 'admin-token');
  if (config.ADMIN_TOKEN) return { token: config.ADMIN_TOKEN, generated: false, file };
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false, file };
  const token = randomId('adm', 40);
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, generated: true, file };
}

export async function openStore(config: Config, log: Logger): Promise<{ store: Store; events: SessionEvents }> {
  if (config.DATABASE_URL) {
    if (!/^postgres(ql)?:\/\//.test(config.DATABASE_URL)) throw new Error('DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)');
    const { openPostgres } = await import('./store/postgres.js');
    return openPostgres({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, poolMax: config.PG_POOL_MAX, log });
  }
  const store = await openSqliteStore({
    path: join(config.dataDir, 'payments.sqlite'),
    synchronous: config.SQLITE_SYNCHRONOUS,
    onCheckpointError: (code) => log.warn({ code }, 'sqlite: background checkpoint failed; retrying (reported once until it works)'),
    onFault: (fault) =>
      log.error(
        { code: fault.faultCode },
        fault.final
          ? `storage failed: ${fault.message}. Answering 503 until the data is put back and the server restarted.`
          : `storage failed: ${fault.message}. Answering 503 and retrying every second until it works again.`,
      ),
    onRecover: () => log.warn('storage recovered: the SQLite store answers again'),
  });
  return { store, events: new LocalSessionEvents() };
}

export async function runServer(
  config: Config,
  log = createLogger(config.LOG_LEVEL),
): Promise<RunningServer & { adminTokenInfo: ReturnType<typeof resolveAdminToken>; webhookSecretInfo: ReturnType<typeof resolveWebhookSecret> }> {
  config = { ...config, STATIC_DIR: config.STATIC_DIR ?? defaultStaticDir() };
  mkdirSync(config.dataDir, { recursive: true });
  const adminTokenInfo = resolveAdminToken(config);
  const webhookSecretInfo = resolveWebhookSecret(config);
  const { store, events } = await openStore(config, log);
  // The slow test card answers well after the server has given up on it.
  const processor = new TestProcessor({ ledger: store.ledger, slowAnswerMs: config.PAYMENT_TIMEOUT_MS + 1_000 });
  let url = '';
  const app = createApp({
    config,
    store,
    processor,
    events,
    log,
    adminToken: adminTokenInfo.token,
    selfOrigin: () => url,
    webhookSecret: webhookSecretInfo?.secret,
  });
  await app.rateLimits.ready;
  await app.demo.seed();
  await app.charges.reconcileDue(1_000);

  const server: Server = createHttpServer(app.app.fetch, log);
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', rej);
      res();
    });
  });
  applyConnectionBudget(server, connectionBudget(config));
  const { port } = server.address() as AddressInfo;
  url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  app.sweeper.start();
  app.webhooks.dispatcher?.start();

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // Charges in flight hold only unref'd timers: keep the process alive until they have settled and the store is closed.
      const keepAlive = setInterval(() => {}, 1_000);
      app.sweeper.stop();
      await events.close(); // ends SSE streams' subscriptions
      const closed = new Promise<void>((res) => server.close(() => res()));
      (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      // A /complete answers once its charge has (bounded by PAYMENT_TIMEOUT_MS): wait for the charges first, so those
      // requests get their answers. SSE streams never end on their own: after that, a moment more, then close what is left.
      await app.charges.drain();
      await app.webhooks.dispatcher?.stop(); // attempts in flight are recorded; what is still due waits in the outbox
      const force = setTimeout(() => (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.(), 2_000);
      force.unref();
      await closed;
      clearTimeout(force);
      processor.close();
      await store.close();
      clearInterval(keepAlive);
    })());

  return { ...app, url, store, log, close, adminTokenInfo, webhookSecretInfo };
}
