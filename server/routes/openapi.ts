/**
 * The API description, `GET /api/payments/openapi.json`: one OpenAPI 3.1 document for every route (the payment API, the
 * demo shop's `/api/store/*`, `/healthz`), generated from the zod schemas that validate the requests. Here: the security
 * schemes, the response headers routes declare, the headers every answer carries (`X-Request-Id`, `Cache-Control`) and
 * the 500/503 any operation can answer, and the paths outside `/api/payments` (each with its own `servers`).
 * docs/API.md is the reader's version of the same.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../errors.js';
import { ErrorSchema } from './schemas.js';

type Doc = ReturnType<OpenAPIHono['getOpenAPI31Document']>;
type Operation = Record<string, unknown> & { operationId?: string; security?: unknown[]; responses: Record<string, Response> };
type Response = { description: string; headers?: Record<string, unknown>; content?: unknown };

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Response headers, for a route's `responses[status].headers`. */
export const headers = {
  /** On a stored answer given again for the same Idempotency-Key and body. */
  replayed: { 'Idempotent-Replayed': ref('Idempotent-Replayed') },
  /** On every answer of a rate-limited route (draft-ietf-httpapi-ratelimit-headers, draft 6). */
  rateLimit: {
    'RateLimit-Policy': ref('RateLimit-Policy'),
    'RateLimit-Limit': ref('RateLimit-Limit'),
    'RateLimit-Remaining': ref('RateLimit-Remaining'),
    'RateLimit-Reset': ref('RateLimit-Reset'),
  },
  retryAfter: { 'Retry-After': ref('Retry-After') },
} as const;

const HEADERS = {
  'X-Request-Id': {
    description: "The request's id, also in the server's log line: the client's own if it is 1-64 characters of [A-Za-z0-9_=-], else a new UUID.",
    schema: { type: 'string' },
  },
  'Cache-Control': { description: 'API answers are never cached.', schema: { type: 'string', const: 'no-store' } },
  'Idempotent-Replayed': {
    description: 'This is the stored answer to an earlier request with the same Idempotency-Key.',
    schema: { type: 'string', const: 'true' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
  'RateLimit-Policy': { description: '`<limit>;w=60`: requests per 60-second window.', schema: { type: 'string' } },
  'RateLimit-Limit': { description: 'Requests allowed in the window.', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the window.', schema: { type: 'integer', minimum: 0 } },
  'RateLimit-Reset': { description: 'Seconds until the window resets.', schema: { type: 'integer', minimum: 1 } },
} as const;

const SECURITY_SCHEMES = {
  clientSecret: { type: 'http', scheme: 'bearer', description: "The session's client secret (`cs_…_secret_…`), handed out once by the create." },
  clientSecretQuery: {
    type: 'apiKey',
    in: 'query',
    name: 'client_secret',
    description: 'The client secret in the URL, on `GET /session/{sessionId}/events` only (EventSource cannot send headers).',
  },
  adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN: the admin listing, the ledger, webhook deliveries; reads any session.' },
  merchantKey: { type: 'http', scheme: 'bearer', description: "MERCHANT_API_KEY: a merchant backend's creates (own amount) and read-only session reads." },
} as const;

const errorResponse = (description: string, extra: Record<string, unknown> = {}) => ({
  description,
  headers: extra,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** The demo shop's operations (routes/shop.ts): ids and limits declared here, the schemas there. */
const STORE_OPERATIONS: Record<string, { operationId: string; rateLimited?: boolean }> = {
  'get /products': { operationId: 'listProducts' },
  'post /orders': { operationId: 'createOrder', rateLimited: true },
  'get /orders/{orderId}': { operationId: 'getOrder' },
};

const Health = z.object({ status: z.literal('ok'), store: z.enum(['sqlite', 'postgres']) });

/** `/healthz`, on the root: the store answers a ping (503 `storage_unavailable` otherwise). */
export function healthRoutes(root: OpenAPIHono, store: { ping(): Promise<unknown>; engine: 'sqlite' | 'postgres' }) {
  root.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      summary: 'Liveness and storage check',
      security: [],
      responses: {
        200: { description: 'The store answers', content: { 'application/json': { schema: Health } } },
        503: { description: 'storage_unavailable', headers: headers.retryAfter, content: { 'application/json': { schema: ErrorSchema } } },
      },
    }),
    async (c) => {
      try {
        await store.ping();
      } catch {
        throw new AppError('storage_unavailable');
      }
      return c.json({ status: 'ok' as const, store: store.engine }, 200);
    },
  );
}

export interface DocumentParts {
  payments: OpenAPIHono;
  store: OpenAPIHono;
  root: OpenAPIHono;
}

/** Builds the document once, on first request. */
export function serveDocument(parts: DocumentParts): () => Doc {
  let doc: Doc | null = null;
  return () => (doc ??= buildDocument(parts));
}

export function buildDocument({ payments, store, root }: DocumentParts): Doc {
  const base = payments.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'payment-checkout API',
      version: '1.0.0',
      description:
        'Payment sessions with idempotent completion, the test processor, merchant reads, webhook deliveries, the demo shop. Reference: docs/API.md.',
      license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    },
    servers: [{ url: '/api/payments' }],
  });
  const doc = base as Doc & { paths: Record<string, Record<string, unknown>>; components: Record<string, Record<string, unknown>> };
  doc.paths['/openapi.json'] = {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This document',
      security: [],
      responses: { 200: { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  const info = { openapi: '3.1.0', info: base.info };
  const shop = store.getOpenAPI31Document(info) as typeof doc;
  for (const [path, item] of Object.entries(shop.paths ?? {})) {
    for (const [method, op] of Object.entries(item) as [string, Operation][]) {
      const known = STORE_OPERATIONS[`${method} ${path}`];
      if (!known) throw new Error(`openapi: the demo shop's ${method} ${path} has no operationId (server/routes/openapi.ts)`);
      op.operationId ??= known.operationId;
      op.security ??= [];
      if (known.rateLimited) {
        for (const r of Object.values(op.responses)) r.headers = { ...r.headers, ...headers.rateLimit };
        op.responses['429'] ??= errorResponse('rate_limited', { ...headers.retryAfter, ...headers.rateLimit });
      }
    }
    doc.paths[path] = { servers: [{ url: '/api/store', description: 'The demo shop' }], ...item };
  }
  for (const [name, schema] of Object.entries(shop.components?.schemas ?? {})) doc.components.schemas![name] ??= schema;
  for (const [path, item] of Object.entries(root.getOpenAPI31Document(info).paths ?? {})) doc.paths[path] = { servers: [{ url: '/' }], ...item };

  doc.components.securitySchemes = { ...SECURITY_SCHEMES };
  doc.components.headers = { ...HEADERS };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item) as [string, Operation][]) {
      if (method === 'servers' || method === 'parameters') continue;
      if (!op.operationId) throw new Error(`openapi: ${method} ${path} has no operationId`);
      if (!op.security) throw new Error(`openapi: ${method} ${path} declares no security`);
      const isDocument = path === '/openapi.json';
      // Checked under /api/* before any route (app.ts): NUL characters anywhere, and a POST's body size and type.
      if (path !== '/healthz') op.responses['400'] ??= errorResponse('validation_error: a NUL character (U+0000) in the request, or a bad parameter');
      if (method === 'post') {
        op.responses['413'] ??= errorResponse('payload_too_large: body over 16 KiB');
        op.responses['415'] ??= errorResponse('unsupported_media_type: a body that is not application/json');
      }
      if (!isDocument) {
        op.responses['500'] ??= errorResponse('internal_error: a bug; nothing about it is in the answer');
        op.responses['503'] ??= errorResponse('storage_unavailable: the database cannot be reached or written', headers.retryAfter);
      }
      for (const r of Object.values(op.responses)) {
        r.headers = { 'X-Request-Id': ref('X-Request-Id'), ...(isDocument ? {} : { 'Cache-Control': ref('Cache-Control') }), ...r.headers };
      }
    }
  }
  return doc;
}
