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
import { connectionBudget } from './connections.js';
import { Charges } from './domain/charges.js';
import type { SessionEvents } from './domain/model.js';
import { DemoShop } from './domain/demo-shop.js';
import { ClientSecrets } from './domain/secrets.js';
import { Sessions } from './domain/sessions.js';
import { Sweeper } from './domain/sweeper.js';
import { AppError, CODES } from './errors.js';
import { bodyFailedAtClient } from './http-layer.js';
import type { Logger } from './log.js';
import { createMetrics, metricsAuth, type Metrics } from './metrics.js';
import { bodyLimit } from './middleware/body-limit/index.js';
import { cors } from './middleware/cors/index.js';
import { durableAnswers } from './middleware/durable/index.js';
import { hstsOverHttps, noStore } from './middleware/headers/index.js';
import { clientInfo, memoryRateLimits, parseTrustProxy, postgresRateLimits, rateLimitBackend, type RateLimitBackend } from './middleware/rate-limit/index.js';
import { noNulCharacters } from './middleware/no-nul/index.js';
import { requestLog } from './middleware/request-log/index.js';
import type { PaymentProcessor } from './processor/types.js';
import { OrderTokens } from './domain/order-tokens.js';
import { merchantRoutes } from './routes/merchant.js';
import { paymentRoutes } from './routes/payments.js';
import { healthRoutes, serveDocument } from './routes/openapi.js';
import { processorRoutes } from './routes/processor.js';
import { shopRoutes } from './routes/shop.js';
import { serveClient } from './static.js';
import { isStorageUnavailable, isStoreFault } from './store/errors.js';
import type { Store } from './store/types.js';
import { createWebhooks, type Webhooks } from './webhooks/index.js';
import { webhookRoutes } from './webhooks/routes.js';

export const MAX_BODY_BYTES = 16 * 1024; // 16 KiB (README: HTTP API)

/** Powerful features no page of ours uses are off, for our pages and anything they embed; payment stays ours only. */
const PERMISSIONS_POLICY: NonNullable<Parameters<typeof secureHeaders>[0]>['permissionsPolicy'] = {
  camera: [],
  microphone: [],
  geolocation: [],
  usb: [],
  serial: [],
  hid: [],
  bluetooth: [],
  midi: [],
  magnetometer: [],
  gyroscope: [],
  accelerometer: [],
  displayCapture: [],
  payment: ['self'],
};

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
  /** The webhook signing secret (server/webhooks/settings.ts); webhooks are off without it or without WEBHOOK_URL. */
  webhookSecret?: string | null;
}

export interface App {
  app: Hono;
  sessions: Sessions;
  charges: Charges;
  sweeper: Sweeper;
  metrics: Metrics;
  demo: DemoShop;
  rateLimits: RateLimitBackend;
  webhooks: Webhooks;
}

export function createApp(d: AppDeps): App {
  const { config, store, processor, events, log } = d;
  const now = d.now ?? Date.now;
  const metrics = createMetrics(store);
  const webhooks = createWebhooks({
    store,
    log,
    now,
    urls: config.WEBHOOK_URL,
    secret: d.webhookSecret ?? null,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retentionMs: config.RETENTION_MS,
  });
  // An order paid through one session closes its other live sessions (after the settlement's commit, off its answer).
  const onOrderPaid = (orderId: string, paidBy: string) =>
    void sessions.closePaidOrder(orderId, paidBy).catch((err: unknown) => log.error({ err, orderId }, "closing a paid order's other sessions failed"));
  const charges = new Charges({
    store,
    processor,
    events,
    metrics,
    log,
    now,
    paymentTimeoutMs: config.PAYMENT_TIMEOUT_MS,
    webhooks: webhooks.recorder,
    onOrderPaid,
  });
  const secrets = new ClientSecrets(config.CLIENT_SECRET_KEY, d.adminToken);
  const sessions = new Sessions({
    store,
    processor,
    charges,
    events,
    metrics,
    now,
    maxAttempts: config.MAX_ATTEMPTS,
    sessionTtlMs: config.SESSION_TTL_MS,
    secrets,
    webhooks: webhooks.recorder,
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
  const demo = new DemoShop(store, now, processor);

  // On PostgreSQL the counters are shared by every instance on the database (the store exposes its pool).
  const pool = (store as { pool?: import('pg').Pool }).pool;
  const rateLimits = pool ? postgresRateLimits(pool, config.DATABASE_SCHEMA, log) : memoryRateLimits();

  const app = new Hono();
  // A client's X-Request-Id is kept only if it is 1-64 characters of [A-Za-z0-9_=-] (else a new UUID): it goes into the log.
  app.use(requestId({ limitLength: 64 }));
  app.use(clientInfo(parseTrustProxy(config.TRUST_PROXY)));
  app.use(rateLimitBackend(rateLimits));
  app.use(
    secureHeaders({
      crossOriginResourcePolicy: 'cross-origin',
      crossOriginEmbedderPolicy: false,
      strictTransportSecurity: false, // hstsOverHttps: only when the request came over https
      permissionsPolicy: PERMISSIONS_POLICY,
    }),
  );
  app.use(hstsOverHttps());
  // API answers carry sessions, secrets and ledgers: never cached. The OpenAPI document is public.
  app.use(
    '/api/*',
    noStore((path) => path.endsWith('/openapi.json')),
  );
  app.use('/healthz', noStore());
  app.use('/metrics', noStore());
  app.use(requestLog(log, metrics));
  app.use('/api/*', durableAnswers(store));
  app.use('/metrics', metricsAuth(config.METRICS_TOKEN), durableAnswers(store)); // its gauges count sessions by status
  app.use(
    '/api/*',
    cors({
      allowed: (origin) => config.allowedOrigins.includes(origin) || origin === d.selfOrigin?.(),
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
      exposeHeaders: ['Idempotent-Replayed', 'Retry-After', 'X-Request-Id', 'RateLimit-Policy', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
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
  app.use('/api/*', noNulCharacters()); // PostgreSQL cannot store U+0000: refused alike on both engines

  const validationHook = (result: { success: boolean; error?: unknown }) => {
    if (!result.success) {
      const issues = ((result.error as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? []).map((i) => ({
        path: i.path.map(String).join('.'),
        message: i.message,
      }));
      // The first issue in the message too, where a developer reads first (all of them, up to 20, in details).
      const first = issues[0];
      const message = first ? `${CODES.validation_error.message.slice(0, -1)}: ${first.path ? `${first.path}: ` : ''}${first.message}.` : undefined;
      throw new AppError('validation_error', message, issues.slice(0, 20));
    }
  };
  const payments = new OpenAPIHono({ defaultHook: validationHook });
  merchantRoutes({ sessions, adminToken: d.adminToken, merchantKey: config.MERCHANT_API_KEY }, payments);
  paymentRoutes(
    {
      sessions,
      events,
      store,
      adminToken: d.adminToken,
      merchantKey: config.MERCHANT_API_KEY,
      orderTokens: new OrderTokens(config.ORDER_SIGNING_SECRET, store, now),
      now,
      idempotencyTtlMs: config.IDEMPOTENCY_TTL_MS,
      paymentTimeoutMs: config.PAYMENT_TIMEOUT_MS,
      limits: {
        createPerMin: config.RATE_LIMIT_CREATE_PER_MIN,
        mutationsPerMin: config.RATE_LIMIT_MUTATIONS_PER_MIN,
        merchantPerMin: config.RATE_LIMIT_MERCHANT_PER_MIN,
      },
      onReplay: () => metrics.idempotentReplays.inc(),
      streamLimits: { perSession: config.SSE_MAX_PER_SESSION, perClient: config.SSE_MAX_PER_CLIENT, total: connectionBudget(config).streams },
      onStreamError: (err) =>
        log.warn({ err: { name: (err as Error).name, code: (err as { code?: string }).code } }, 'event stream: reading the session failed; retrying'),
    },
    payments,
  );
  processorRoutes(
    { processor, adminToken: d.adminToken, tokensPerMin: config.RATE_LIMIT_TOKENS_PER_MIN, store, secrets, idempotencyTtlMs: config.IDEMPOTENCY_TTL_MS, now },
    payments,
  );
  webhookRoutes({ store, adminToken: d.adminToken, now, wake: () => webhooks.dispatcher?.wake() }, payments);
  const shopApi = new OpenAPIHono({ defaultHook: validationHook });
  shopRoutes({ demo, ordersPerMin: config.RATE_LIMIT_CREATE_PER_MIN }, shopApi);
  const root = new OpenAPIHono({ defaultHook: validationHook });
  healthRoutes(root, store);
  // One document for all three (routes/openapi.ts), built on first request.
  const document = serveDocument({ payments, store: shopApi, root });
  payments.get('/openapi.json', (c) => c.json(document()));
  app.route('/api/payments', payments);
  app.route('/api/store', shopApi);
  app.route('/', root);

  app.get('/metrics', async (c) => c.text(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));

  serveClient(app, config.STATIC_DIR!);

  app.notFound((c) => c.json(new AppError('not_found').toBody(), 404));
  app.onError((err, c) => errorResponse(err, c, log));

  return { app, sessions, charges, sweeper, metrics, demo, rateLimits, webhooks };
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
  } else if (bodyFailedAtClient((c.env as { incoming?: unknown } | undefined)?.incoming)) {
    // A malformed chunk or a connection cut mid-body: the client's fault, whatever the error's code says.
    log.info({ reqId: c.get('requestId'), err: { name: err.name, code: (err as { code?: string }).code } }, 'client error: request body not received');
    e = new AppError('bad_request', 'The request body could not be read.');
  } else if (isStorageUnavailable(err)) {
    const detail = { reqId: c.get('requestId'), err: { name: err.name, code: (err as { code?: string }).code } };
    if (isStoreFault(err)) log.debug(detail, 'storage unavailable');
    else log.warn(detail, 'storage unavailable');
    e = new AppError('storage_unavailable');
  } else {
    log.error({ reqId: c.get('requestId'), err: { name: err.name, message: err.message } }, 'unhandled error');
    e = new AppError('internal_error');
  }
  if (e.status === 503) c.header('Retry-After', '1');
  // The rest of an oversize body is not read: the connection cannot carry another request.
  if (e.code === 'payload_too_large') c.header('Connection', 'close');
  return c.json(e.toBody(), e.status as 400);
}
