/**
 * The test processor's public face (docs/API.md "Test processor"): card tokenisation for the browser, the ledger for the
 * admin. A tokenisation with an Idempotency-Key is answered once: the same key and body from the same client address
 * get the same token again (`Idempotent-Replayed: true`); the key must be unguessable, since a replay hands out a token.
 */
import { OpenAPIHono, createRoute, type z } from '@hono/zod-openapi';
import type { ClientSecrets } from '../domain/secrets.js';
import { adminOnly } from '../middleware/auth/index.js';
import { idempotency } from '../middleware/idempotency/index.js';
import { unguessableKey } from '../middleware/idempotency/public-create-key.js';
import { clientAddress, limitPerMinute } from '../middleware/rate-limit/index.js';
import type { PaymentProcessor } from '../processor/types.js';
import type { Store } from '../store/types.js';
import { headers as H } from './openapi.js';
import * as S from './schemas.js';

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(S.ErrorSchema) });

export interface ProcessorRoutesDeps {
  processor: PaymentProcessor;
  adminToken: string;
  tokensPerMin: number;
  store: Store;
  /** Fingerprints a tokenisation at rest with a keyed HMAC (its body is card data). */
  secrets: ClientSecrets;
  idempotencyTtlMs: number;
  now: () => number;
}

export function processorRoutes(d: ProcessorRoutesDeps, app: OpenAPIHono) {
  app.use(
    '/test-processor/tokens',
    limitPerMinute('tokens', d.tokensPerMin, clientAddress),
    unguessableKey('A tokenisation'),
    idempotency({
      store: d.store,
      required: false,
      scope: (c) => `tokens:${clientAddress(c)}`,
      ttlMs: d.idempotencyTtlMs,
      leaseMs: 30_000,
      now: d.now,
      fingerprintOf: (request) => d.secrets.fingerprint(request),
    }),
  );
  app.use('/test-processor/charges', adminOnly(d.adminToken));

  app.openapi(
    createRoute({
      method: 'post',
      path: '/test-processor/tokens',
      operationId: 'createCardToken',
      summary: 'Test processor: turn card details into a single-use token',
      security: [],
      request: { headers: S.IdempotencyHeaderOptional, body: { ...json(S.TokenBody), required: true } },
      responses: {
        201: { description: 'Token', headers: { ...H.replayed, ...H.rateLimit }, ...json(S.TokenResponse) },
        400: err('invalid_card_number, invalid_expiry, invalid_cvc, validation_error, invalid_json or invalid_idempotency_key'),
        409: err('idempotency_key_in_flight'),
        413: err('Body over 16 KiB'),
        415: err('Body not application/json'),
        422: err('idempotency_key_reused: the key was used with another body'),
        429: { ...err('rate_limited'), headers: { ...H.retryAfter, ...H.rateLimit } },
      },
    }),
    async (c) => {
      const t = await d.processor.tokenize(c.req.valid('json').card);
      return c.json({ token: t.token, brand: t.brand, last4: t.last4, expiresAt: new Date(t.expiresAt).toISOString() }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/test-processor/charges',
      operationId: 'listProcessorCharges',
      summary: "Admin: the test processor's ledger",
      security: [{ adminToken: [] }],
      request: { query: S.ChargesQuery },
      responses: {
        200: { description: 'Charges, newest first', ...json(S.ChargesResponse) },
        400: err('Bad query'),
        401: err('Admin token needed'),
      },
    }),
    async (c) => c.json({ charges: await d.processor.listCharges(c.req.valid('query')) }, 200),
  );
}
