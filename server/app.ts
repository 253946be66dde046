/**
 * Wires the Hono app: cross-cutting middleware (request id, security headers, CORS, body limit, logging), the routers,
 * the static client, and one error handler that turns every failure into the contract's error shape.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Config } from './config.js';
import { Charges } from './domain/charges.js';
import type { SessionEvents } from './domain/events.js';
import { DemoStore } from './domain/orders.js';
import { Sessions } from './domain/sessions.js';
import { Sweeper } from './domain/sweeper.js';
import { AppError } from './errors.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { bodyLimit } from './middleware/body-limit/index.js';
import { cors } from './middleware/cors/index.js';
import { durableAnswers } from './middleware/durable/index.js';
import { requestLog } from './middleware/request-log/index.js';
import type { PaymentProcessor } from './processor/types.js';
import { paymentRoutes } from './routes/payments.js';
import { processorRoutes } from './routes/processor.js';
import { storeRoutes } from './routes/store.js';
import { serveClient } from './static.js';
import { isStorageUnavailable } from './store/errors.js';
import type { Store } from './store/types.js';

export const MAX_BODY_BYTES = 16 * 1024; // 16 KiB (CONTRACT §2)

export interface AppDeps {
  config: Config;
  store: Store;
  processor: PaymentProcessor;
  events: SessionEvents;
  log: Logger;
  adminToken: string;
  /** The server's own origin, always allowed by CORS. */
  selfOrigin?: () => string;
  now?: () => number;
}

export interface App {
  app: Hono;
  sessions: Sessions;
  charges: Charges;
  sweeper: Sweeper;
  metrics: Metrics;
  demo: DemoStore;
}

export function createApp(d: AppDeps): App {
  const { config, store, processor, events, log } = d;
  const now = d.now ?? Date.now;
  const metrics = createMetrics(store);
  const charges = new Charges({ store, processor, events, metrics, log, now, paymentTimeoutMs: config.PAYMENT_TIMEOUT_MS });
  const sessions = new Sessions({
    store,
    processor,
    charges,
    events,
    metrics,
    now,
    maxAttempts: config.MAX_ATTEMPTS,
    sessionTtlMs: config.SESSION_TTL_MS,
  });
  const sweeper = new Sweeper({
    store,
    sessions,
    charges,
    log,
    now,
    sweepIntervalMs: config.SWEEP_INTERVAL_MS,
    reconcileIntervalMs: config.RECONCILE_INTERVAL_MS,
    retentionMs: config.RETENTION_MS,
  });
  const demo = new DemoStore(store, now, processor);

  const app = new Hono();
  app.use(requestId());
  app.use(secureHeaders({ crossOriginResourcePolicy: 'cross-origin', crossOriginEmbedderPolicy: false }));
  app.use(requestLog(log, metrics));
  app.use('/api/*', durableAnswers(store));
  app.use('/metrics', durableAnswers(store)); // its gauges count sessions by status
  app.use(
    '/api/*',
    cors({
      allowed: (origin) => config.allowedOrigins.includes(origin) || origin === d.selfOrigin?.(),
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
      exposeHeaders: ['Idempotent-Replayed', 'Retry-After', 'X-Request-Id'],
      maxAgeSeconds: 600,
    }),
  );
  app.use(
    '/api/*',
    bodyLimit(MAX_BODY_BYTES, () => {
      throw new AppError('payload_too_large');
    }),
  );
  app.use('/api/*', async function jsonOnly(c, next) {
    if (c.req.method === 'POST' && hasBody(c) && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(c.req.header('Content-Type') ?? '')) {
      throw new AppError('unsupported_media_type');
    }
    return next();
  });

  const validationHook = (result: { success: boolean; error?: unknown }) => {
    if (!result.success) {
      const issues = (result.error as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? [];
      throw new AppError(
        'validation_error',
        undefined,
        issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      );
    }
  };
  const payments = new OpenAPIHono({ defaultHook: validationHook });
  payments.openAPIRegistry.registerComponent('securitySchemes', 'clientSecret', { type: 'http', scheme: 'bearer', description: "The session's client secret" });
  payments.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' });
  paymentRoutes(
    {
      sessions,
      events,
      store,
      adminToken: d.adminToken,
      merchantKey: config.MERCHANT_API_KEY,
      now,
      idempotencyTtlMs: config.IDEMPOTENCY_TTL_MS,
      paymentTimeoutMs: config.PAYMENT_TIMEOUT_MS,
      limits: { createPerMin: config.RATE_LIMIT_CREATE_PER_MIN, mutationsPerMin: config.RATE_LIMIT_MUTATIONS_PER_MIN },
      onReplay: () => metrics.idempotentReplays.inc(),
    },
    payments,
  );
  processorRoutes({ processor, adminToken: d.adminToken, tokensPerMin: config.RATE_LIMIT_TOKENS_PER_MIN }, payments);
  payments.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'payment-checkout API', version: '1.0.0', description: 'Payment sessions, idempotent completion and the test processor.' },
    servers: [{ url: '/api/payments' }],
  });
  app.route('/api/payments', payments);

  const storeApi = new OpenAPIHono({ defaultHook: validationHook });
  storeRoutes({ demo, ordersPerMin: config.RATE_LIMIT_CREATE_PER_MIN }, storeApi);
  app.route('/api/store', storeApi);

  app.get('/healthz', async (c) => {
    try {
      await store.ping();
      return c.json({ status: 'ok', store: store.engine });
    } catch {
      throw new AppError('storage_unavailable');
    }
  });
  app.get('/metrics', async (c) => c.text(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));

  serveClient(app, config.STATIC_DIR!);

  app.notFound((c) => c.json(new AppError('not_found').toBody(), 404));
  app.onError((err, c) => errorResponse(err, c, log));

  return { app, sessions, charges, sweeper, metrics, demo };
}

function hasBody(c: Context): boolean {
  const len = c.req.header('Content-Length');
  return (len !== undefined && len !== '0') || c.req.header('Transfer-Encoding') !== undefined;
}

/** The one place errors become responses. Unknown errors are logged (without request data) and answered without detail. */
export function errorResponse(err: Error, c: Context, log: Logger): Response {
  let e: AppError;
  if (err instanceof AppError) e = err;
  else if (err instanceof HTTPException) {
    if (err.status === 413) e = new AppError('payload_too_large');
    else if (/json/i.test(err.message)) e = new AppError('invalid_json');
    else if (err.status === 400) e = new AppError('validation_error', err.message);
    else e = new AppError('internal_error');
  } else if (isStorageUnavailable(err)) {
    log.warn({ reqId: c.get('requestId'), err: { name: err.name, code: (err as { code?: string }).code } }, 'storage unavailable');
    e = new AppError('storage_unavailable');
  } else {
    log.error({ reqId: c.get('requestId'), err: { name: err.name, message: err.message } }, 'unhandled error');
    e = new AppError('internal_error');
  }
  if (e.status === 503) c.header('Retry-After', '1');
  return c.json(e.toBody(), e.status as 400);
}
