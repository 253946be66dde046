/** Request and response schemas, declared once: they validate requests and generate /openapi.json. */
import { z } from '@hono/zod-openapi';
import { MAX_ORDER_LINES, MAX_QUANTITY } from '../domain/demo-shop.js';
import { CHARGE_STATUSES, SESSION_STATUSES } from '../domain/model.js';
import { Currency, MAX_METADATA_KEY_LENGTH, MAX_METADATA_KEYS, Metadata, RESERVED_METADATA_KEYS } from '../domain/order-fields.js';

export const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) }).openapi('Error');

/** An instant as the server sends it: an ISO 8601 string in UTC (durations and counts stay numbers). */
export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-12-01T12:00:00.000Z' });
export const SessionStatus = z.enum(SESSION_STATUSES).openapi('SessionStatus');

const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

export const SessionIdParam = z.object({ sessionId: z.string().openapi({ param: { name: 'sessionId', in: 'path' }, example: 'cs_…' }) });

export const Interruption = z.object({ at: Timestamp, reason: z.string(), attempt: z.number().int() });
const Retry = z.object({ at: Timestamp, attempt: z.number().int() });
const LastError = z.object({ code: z.string(), message: z.string() });
export const SessionSchema = z
  .object({
    sessionId: z.string(),
    orderId: z.string(),
    userId: z.string().optional(),
    status: SessionStatus,
    amount: z.number().int(),
    currency: z.string(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    expiresAt: Timestamp,
    paymentId: z.string().optional(),
    lastError: LastError.optional(),
    metadata: z.object({
      interruptions: z.array(Interruption),
      retries: z.array(Retry),
      lastActivity: Timestamp,
      cancelReason: z.string().optional(),
    }),
    merchantMetadata: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Session');

/** `GET /session/{sessionId}/events`: text, one `event: status` per change (its data the Session as JSON). */
export const EventStream = z.string().openapi({
  description:
    'Server-sent events: `retry: 3000`, then `event: status` / `id: <version>` / `data: <Session JSON>` now and after every change; `: ping` comments.',
  example: 'retry: 3000\n\nevent: status\ndata: {"sessionId":"cs_…","status":"INITIATED",…}\nid: 1\n\n',
});

export const CreateBody = z
  .object({
    orderId: Id.optional().openapi({
      description: "An order of the server's order source (or, with the merchant key, the merchant's own). Required unless orderToken is given.",
    }),
    orderToken: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .openapi({ description: 'A signed order (JWS HS256 of {orderId, amount, currency, exp, metadata?}; exp at most 24 h ahead); instead of orderId.' }),
    userId: Id.optional(),
    amount: z.number().int().positive().max(100_000_000).optional().openapi({ description: 'Minor units. Merchant key only.' }),
    currency: Currency.optional().openapi({ description: 'An ISO 4217 code in use, in capitals (EUR). Merchant key only.', example: 'EUR' }),
    metadata: Metadata.optional().openapi({
      description: `Merchant key only; at most ${MAX_METADATA_KEYS} keys of at most ${MAX_METADATA_KEY_LENGTH} characters (not ${RESERVED_METADATA_KEYS.join(', ')}).`,
    }),
  })
  .openapi('CreateSession');

export const CreateResponse = SessionSchema.extend({ clientSecret: z.string() }).openapi('CreatedSession');

export const ResumeBody = z.object({});
export const ResumeResponse = z.object({ status: z.literal('RESUMED'), attempt: z.number().int(), maxAttempts: z.number().int(), message: z.string() });

export const CompleteBody = z.object({ paymentMethod: z.object({ token: z.string().min(1).max(128) }) }).openapi('CompletePayment');
export const CompleteResponse = z.object({ status: z.literal('COMPLETED'), paymentId: z.string(), processingTimeMs: z.number() });
export const ProcessingResponse = z.object({ status: z.literal('PROCESSING') });

export const CancelBody = z.object({ reason: z.string().min(1).max(200).optional() });
export const CancelResponse = z.object({ status: z.literal('CANCELLED'), reason: z.string() });

export const InterruptBody = z.object({
  reason: z.string().min(1).max(64),
  attempt: z
    .number()
    .int()
    .min(1)
    .optional()
    .openapi({ description: 'The attempt interrupted. When the session is at another attempt (a late replay, after the payment went on), nothing changes.' }),
});
export const InterruptResponse = z.object({ status: SessionStatus, canResume: z.boolean(), attempt: z.number().int(), maxAttempts: z.number().int() });

export const SummaryResponse = z
  .object({
    sessionId: z.string(),
    orderId: z.string(),
    status: SessionStatus,
    amount: z.number().int(),
    currency: z.string(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    interruptions: z.array(Interruption),
    retries: z.array(Retry),
    interruptionCount: z.number().int().openapi({ description: 'All interruptions ever recorded (the list keeps the latest 50).' }),
    retryCount: z.number().int().openapi({ description: 'All retries ever recorded (the list keeps the latest 50).' }),
    durationMs: z.number().openapi({ description: 'From creation to the final state (or to now).' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: Timestamp.optional(),
    paymentId: z.string().optional(),
    lastError: LastError.optional(),
    charges: z.array(
      z.object({
        attempt: z.number().int(),
        status: z.enum(CHARGE_STATUSES),
        startedAt: Timestamp,
        resolvedAt: Timestamp.optional(),
        durationMs: z.number().optional(),
        paymentId: z.string().optional(),
        errorCode: z.string().optional(),
      }),
    ),
  })
  .openapi('SessionSummary');

export const OrderSessionsQuery = z.object({
  orderId: Id.openapi({ param: { name: 'orderId', in: 'query' }, example: 'ord_123' }),
  limit: z.coerce.number().int().min(1).max(100).default(100).openapi({ description: 'At most 100; newest first.' }),
});
export const OrderSessionsResponse = z.object({ sessions: z.array(SessionSchema) }).openapi('OrderSessions');

export const ListQuery = z.object({
  status: z.string().max(200).optional().openapi({ description: 'A status, a comma list, or "all"; default: the active (non-final) statuses.' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
export const ListResponse = z.object({ sessions: z.array(SessionSchema), total: z.number().int(), nextCursor: z.string().nullable() });

export const StatsResponse = z.object({
  counts: z.record(z.string(), z.number()),
  interruptionsByReason: z.record(z.string(), z.number()),
  outcomes: z.array(z.object({ bucketStart: Timestamp, completed: z.number(), failed: z.number() })),
});

export const TokenBody = z
  .object({
    card: z.object({
      number: z.string().min(1).max(32),
      expMonth: z.number().int(),
      expYear: z.number().int(),
      cvc: z.string().min(1).max(8),
    }),
  })
  .openapi('TokenizeCard');
export const TokenResponse = z.object({ token: z.string(), brand: z.string(), last4: z.string(), expiresAt: Timestamp }).openapi('CardToken');
export const ChargesResponse = z.object({
  charges: z.array(
    z.object({
      chargeId: z.string(),
      sessionId: z.string(),
      idempotencyKey: z.string(),
      amount: z.number(),
      currency: z.string(),
      status: z.enum(['succeeded', 'failed']),
      createdAt: Timestamp,
    }),
  ),
});
export const ChargesQuery = z.object({ sessionId: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(1000) });

export const Product = z.object({ productId: z.string(), name: z.string(), price: z.number().int(), currency: z.string(), image: z.string().optional() });
export const OrderBody = z.object({
  items: z
    .array(z.object({ productId: Id, quantity: z.number().int().min(1).max(MAX_QUANTITY) }))
    .min(1)
    .max(MAX_ORDER_LINES),
});
export const OrderResponse = z.object({
  orderId: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  items: z.array(z.object({ productId: z.string(), quantity: z.number().int(), name: z.string(), price: z.number().int() })),
  createdAt: Timestamp,
  paid: z.boolean().optional(),
});

const KEY_DOC = {
  description: '1–255 characters of [A-Za-z0-9_.:-], bare or quoted ("abc" is the key abc); see Idempotency in docs/API.md',
  example: 'a1b2c3d4-e5f6-4789-9abc-def012345678',
};
// The param name must equal the object key (Hono validates headers lower-cased); two spellings made /openapi.json a 500 "Conflicting names for parameter". HTTP header names are case-insensitive.
export const IdempotencyHeaderRequired = z.object({
  'idempotency-key': z.string().openapi({ param: { name: 'idempotency-key', in: 'header', required: true }, ...KEY_DOC }),
});
export const IdempotencyHeaderOptional = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .openapi({ param: { name: 'idempotency-key', in: 'header', required: false }, ...KEY_DOC }),
});
