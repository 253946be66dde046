/** The payment-session API (README and GET /api/payments/openapi.json), base path /api/payments. Thin: auth and validation here, behaviour in domain/. */
import { OpenAPIHono, createRoute, type z } from '@hono/zod-openapi';
import type { OrderTokens } from '../domain/order-tokens.js';
import type { Sessions } from '../domain/sessions.js';
import type { SessionEvents } from '../domain/model.js';
import { sessionView } from '../domain/views.js';
import { adminOnly, merchantOrPublic, sessionHolder } from '../middleware/auth/index.js';
import { idempotency, storeUnderKey } from '../middleware/idempotency/index.js';
import { publicCreateKey, withoutSecret } from '../middleware/idempotency/public-create-key.js';
import { clientAddress, limitPerMinute } from '../middleware/rate-limit/index.js';
import type { Store } from '../store/types.js';
import * as S from './schemas.js';
import { analytics } from './analytics.js';
import { sessionEventStream } from './events.js';
import { SessionFeeds, StreamLimits } from '../domain/streams.js';
import { createInput } from './merchant.js';
import { headers as H } from './openapi.js';

export interface PaymentRoutesDeps {
  sessions: Sessions;
  events: SessionEvents;
  store: Store;
  adminToken: string;
  merchantKey: string | undefined;
  orderTokens: OrderTokens;
  now: () => number;
  idempotencyTtlMs: number;
  paymentTimeoutMs: number;
  limits: { createPerMin: number; mutationsPerMin: number; merchantPerMin: number };
  onReplay: () => void;
  heartbeatMs?: number;
  /** Event streams per session, per client address and in all (429 `too_many_streams` beyond). */
  streamLimits: { perSession: number; perClient: number; total: number };
  onStreamError?: (err: unknown) => void;
}

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(S.ErrorSchema) });
const body = <T extends z.ZodType>(schema: T) => ({ body: { ...json(schema), required: true } });
const holder = [{ clientSecret: [] as string[] }];
/** `{}`: no credentials needed; the merchant key when the caller sets its own amount. */
const publicOrMerchant: Record<string, string[]>[] = [{}, { merchantKey: [] }];
const reader: Record<string, string[]>[] = [...holder, { merchantKey: [] }, { adminToken: [] }];
/** An answer of a rate-limited POST: maybe a replay, always the RateLimit-* headers. */
const limitedHeaders = { ...H.replayed, ...H.rateLimit };
const limited = <T extends z.ZodType>(description: string, schema: T) => ({ description, headers: limitedHeaders, ...json(schema) });
/** What any POST may answer before its operation runs (body, key, rate limit). */
const postErrors = {
  400: err('Malformed JSON, schema violation or bad Idempotency-Key'),
  413: err('Body over 16 KiB'),
  415: err('Body not application/json'),
  422: err('Idempotency-Key reused with a different body'),
  429: { ...err('rate_limited (Retry-After)'), headers: { ...H.retryAfter, ...H.rateLimit } },
};

export function paymentRoutes(d: PaymentRoutesDeps, app: OpenAPIHono) {
  const holderAuth = sessionHolder(d.sessions, d.adminToken);
  const readerAuth = sessionHolder(d.sessions, d.adminToken, d.merchantKey); // the merchant key reads sessions too
  const leaseMs = d.paymentTimeoutMs * 3 + 10_000; // a /complete may wait for an earlier charge, then make its own
  const idem = (required: boolean, create = false) =>
    idempotency({
      store: d.store,
      required,
      // Create keys belong to their caller: the merchant backend, or the browser that holds the key (public-create-key.ts).
      scope: (c) => {
        if (c.get('session')) return `session:${c.get('session').id}`;
        return c.get('caller')?.kind === 'merchant' ? 'create:merchant' : `create:public:${clientAddress(c)}`;
      },
      ttlMs: d.idempotencyTtlMs,
      leaseMs,
      now: d.now,
      onReplay: d.onReplay,
      // A create's answer is kept without its client secret; a replay derives it again (domain/secrets.ts).
      ...(create ? { storeAs: withoutSecret, replayAs: (stored: string) => d.sessions.replayCreate(stored) } : {}),
    });
  const streams = {
    limits: new StreamLimits(d.streamLimits),
    feeds: new SessionFeeds({
      events: d.events,
      read: async (id: string) => {
        const s = await d.sessions.get(id);
        return { version: s.version, data: JSON.stringify(sessionView(s)) };
      },
      durable: () => d.store.durable(),
      onError: d.onStreamError,
    }),
    heartbeatMs: d.heartbeatMs,
  };
  const perSession = limitPerMinute('mutations', d.limits.mutationsPerMin, (c) => c.req.param('sessionId') ?? '');
  // A merchant backend creates from one address for all its shoppers: its key has its own, higher budget.
  const publicCreates = limitPerMinute('create', d.limits.createPerMin, clientAddress);
  const merchantCreates = limitPerMinute('merchant', d.limits.merchantPerMin, () => 'merchant');

  app.use(
    '/session/create',
    merchantOrPublic(d.merchantKey),
    (c, next) => (c.get('caller')?.kind === 'merchant' ? merchantCreates : publicCreates)(c, next),
    publicCreateKey(),
    idem(false, true),
  );
  for (const action of ['resume', 'cancel', 'interrupt']) app.use(`/session/:sessionId/${action}`, holderAuth, perSession, idem(false));
  app.use('/session/:sessionId/complete', holderAuth, perSession, idem(true));
  // GET only: `/session/:sessionId` would otherwise also match POST /session/create.
  for (const path of ['/session/:sessionId', '/session/:sessionId/summary']) app.on('GET', path, readerAuth);
  app.on('GET', '/session/:sessionId/events', holderAuth);
  app.use('/sessions/*', adminOnly(d.adminToken));

  app.openapi(
    createRoute({
      method: 'post',
      path: '/session/create',
      operationId: 'createSession',
      summary: 'Create a payment session for an order',
      description: 'Public (a shopper: orderId of the demo shop, or orderToken), or with the merchant key (its own amount, currency, metadata).',
      security: publicOrMerchant,
      request: { headers: S.IdempotencyHeaderOptional, ...body(S.CreateBody) },
      responses: {
        201: limited('Created; carries the client secret (a replay derives it again)', S.CreateResponse),
        ...postErrors,
        400: err('Invalid body, invalid_order_token or order_token_expired'),
        401: err('Wrong merchant key'),
        404: err('Unknown order'),
        409: err('Order already paid'),
      },
    }),
    async (c) => {
      const { input, trusted } = await createInput(c.req.valid('json'), c.get('caller')?.kind === 'merchant', d.orderTokens);
      return c.json(await d.sessions.create(input, trusted), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/session/{sessionId}',
      operationId: 'getSession',
      summary: 'Read a session',
      security: reader,
      request: { params: S.SessionIdParam },
      responses: { 200: { description: 'The session', ...json(S.SessionSchema) }, 404: err('No such session (or wrong secret)') },
    }),
    async (c) => c.json(sessionView(await d.sessions.get(c.get('session').id, c.get('session'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/session/{sessionId}/resume',
      operationId: 'resumeSession',
      summary: 'Resume an interrupted session (next attempt)',
      security: holder,
      // The body (`{}` or none) is declared so malformed JSON is a 400 here too, as on every other POST.
      request: { params: S.SessionIdParam, headers: S.IdempotencyHeaderOptional, body: { ...json(S.ResumeBody), required: false } },
      responses: { 200: limited('Resumed', S.ResumeResponse), ...postErrors, 404: err('No such session'), 409: err('Invalid transition') },
    }),
    async (c) => c.json(await d.sessions.resume(c.get('session').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/session/{sessionId}/complete',
      operationId: 'completeSession',
      summary: 'Pay with a processor token (Idempotency-Key required)',
      security: holder,
      request: { params: S.SessionIdParam, headers: S.IdempotencyHeaderRequired, ...body(S.CompleteBody) },
      responses: {
        200: limited('Paid', S.CompleteResponse),
        202: limited('Outcome not yet known; the final status follows on /events (the key replays the final answer once known)', S.ProcessingResponse),
        ...postErrors,
        400: err('Invalid body, key or token'),
        402: { ...err('Declined (card_declined, insufficient_funds) or processor_error (retryable); stored under the key'), headers: limitedHeaders },
        404: err('No such session'),
        409: err('Invalid transition, payment in progress, order already paid, or key in flight'),
        422: err('Idempotency-Key reused with a different body'),
      },
    }),
    async (c) => {
      const { paymentMethod } = c.req.valid('json');
      const { answer, toStore } = await d.sessions.complete(c.get('session').id, paymentMethod.token, c.get('idempotency')!, c.get('session'));
      storeUnderKey(c, toStore);
      return c.json(answer.body as never, answer.status as 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/session/{sessionId}/cancel',
      operationId: 'cancelSession',
      summary: 'Cancel a session',
      security: holder,
      request: { params: S.SessionIdParam, headers: S.IdempotencyHeaderOptional, body: { ...json(S.CancelBody), required: false } },
      responses: { 200: limited('Cancelled', S.CancelResponse), ...postErrors, 404: err('No such session'), 409: err('Final, or a payment in progress') },
    }),
    async (c) => c.json(await d.sessions.cancel(c.get('session').id, c.req.valid('json')?.reason), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/session/{sessionId}/interrupt',
      operationId: 'interruptSession',
      summary: 'Record an interruption (timeout, network, user, unload, …)',
      security: holder,
      request: { params: S.SessionIdParam, headers: S.IdempotencyHeaderOptional, ...body(S.InterruptBody) },
      responses: { 200: limited('Interrupted', S.InterruptResponse), ...postErrors, 404: err('No such session'), 409: err('Final session') },
    }),
    async (c) => {
      const { reason, attempt } = c.req.valid('json');
      return c.json(await d.sessions.interrupt(c.get('session').id, reason, attempt), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/session/{sessionId}/summary',
      operationId: 'getSessionSummary',
      summary: 'Attempts, interruptions, retries and durations of a session',
      security: reader,
      request: { params: S.SessionIdParam },
      responses: { 200: { description: 'Summary', ...json(S.SummaryResponse) }, 404: err('No such session') },
    }),
    async (c) => c.json(await d.sessions.summary(c.get('session').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/session/{sessionId}/events',
      operationId: 'streamSessionEvents',
      summary: 'Server-sent events: `status` with the session now and on every change',
      description:
        'Each event is `event: status`, `id: <session version>`, `data: <the session as GET /session/{sessionId} returns it>`; the stream starts with ' +
        '`retry: 3000` and sends `: ping` every 15 s. A reconnect with `Last-Event-ID` equal to the current version gets no event until the next change. ' +
        'The client secret goes in the Authorization header or, for EventSource, in `?client_secret=`.',
      security: [...holder, { clientSecretQuery: [] }],
      request: { params: S.SessionIdParam },
      responses: {
        200: { description: 'An event stream (text/event-stream) of the session', content: { 'text/event-stream': { schema: S.EventStream } } },
        404: err('No such session'),
        429: { ...err('too_many_streams: per session, per client address or in all'), headers: H.retryAfter },
      },
    }),
    (c) => sessionEventStream(streams, c, c.get('session').id) as never,
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sessions/active',
      operationId: 'listSessions',
      summary: 'Admin: list sessions (newest first, keyset paging)',
      security: [{ adminToken: [] }],
      request: { query: S.ListQuery },
      responses: { 200: { description: 'A page of sessions', ...json(S.ListResponse) }, 400: err('Bad query'), 401: err('Admin token needed') },
    }),
    async (c) => c.json(await d.sessions.list(c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sessions/stats',
      operationId: 'getSessionStats',
      summary: 'Admin: counts by status, interruptions by reason, outcomes per hour over the last 24 h',
      security: [{ adminToken: [] }],
      responses: { 200: { description: 'Statistics', ...json(S.StatsResponse) }, 401: err('Admin token needed') },
    }),
    async (c) => c.json(await analytics(d.store, d.now()), 200),
  );
}
