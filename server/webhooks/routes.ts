/**
 * Admin routes for webhook deliveries, base path /api/payments: the listing (newest first, keyset paging), one delivery
 * with its attempts, and redelivery. All need the admin token.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../errors.js';
import { adminOnly } from '../middleware/auth/index.js';
import { ErrorSchema, Timestamp } from '../routes/schemas.js';
import type { Store } from '../store/types.js';
import { DELIVERY_STATUSES, type DeliveryRow } from './outbox-rows.js';

const DELIVERY_ID = /^whd_[0-9A-Za-z]{24}$/;
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(ErrorSchema) });
const admin = [{ adminToken: [] as string[] }];

export const DeliverySchema = z
  .object({
    deliveryId: z.string(),
    webhookId: z.string().openapi({ description: 'The `webhook-id` header: one per event, the same on every retry' }),
    type: z.string().openapi({ example: 'checkout.session.completed' }),
    sessionId: z.string(),
    url: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('WebhookDelivery');
export const DeliveriesQuery = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
export const DeliveriesResponse = z.object({ deliveries: z.array(DeliverySchema), nextCursor: z.string().nullable() });
export const AttemptSchema = z.object({
  attempt: z.number().int(),
  startedAt: Timestamp,
  durationMs: z.number().int(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  bodyExcerpt: z.string().nullable().openapi({ description: "At most 200 characters of the receiver's answer" }),
});
export const DeliveryDetail = DeliverySchema.extend({ attemptLog: z.array(AttemptSchema) }).openapi('WebhookDeliveryDetail');
const DeliveryIdParam = z.object({
  deliveryId: z
    .string()
    .max(64)
    .openapi({ param: { name: 'deliveryId', in: 'path' }, example: 'whd_…' }),
});
export const RedeliverResponse = z.object({ deliveryId: z.string(), status: z.literal('pending') });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
export function deliveryView(r: DeliveryRow): z.infer<typeof DeliverySchema> {
  return {
    deliveryId: r.deliveryId,
    webhookId: r.webhookId,
    type: r.type,
    sessionId: r.sessionId,
    url: r.url,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.lastStatusCode,
    lastError: r.lastError,
    nextAttemptAt: iso(r.nextAttemptAt),
    createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!,
  };
}

export function webhookRoutes(d: { store: Store; adminToken: string; now: () => number; wake?: () => void }, app: OpenAPIHono) {
  app.use('/webhooks/*', adminOnly(d.adminToken));
  const outbox = () => d.store.webhooks;
  const validId = (id: string) => {
    if (!DELIVERY_ID.test(id)) throw new AppError('delivery_not_found');
    return id;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'Admin: webhook deliveries, newest first (keyset paging)',
      security: admin,
      request: { query: DeliveriesQuery },
      responses: {
        200: { description: 'A page of deliveries', ...json(DeliveriesResponse) },
        400: err('Bad status, limit or cursor'),
        401: err('Admin token needed'),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await outbox().listDeliveries({ status: q.status ?? null, limit: q.limit, after: q.cursor ? decodeCursor(q.cursor) : null });
      const last = rows[rows.length - 1];
      return c.json(
        { deliveries: rows.map(deliveryView), nextCursor: rows.length === q.limit && last ? encodeCursor(last.createdAt, last.deliveryId) : null },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/deliveries/{deliveryId}',
      operationId: 'getWebhookDelivery',
      summary: 'Admin: one webhook delivery with its latest attempts (status code, duration, error, body excerpt)',
      security: admin,
      request: { params: DeliveryIdParam },
      responses: { 200: { description: 'The delivery', ...json(DeliveryDetail) }, 401: err('Admin token needed'), 404: err('delivery_not_found') },
    }),
    async (c) => {
      const id = validId(c.req.valid('param').deliveryId);
      const row = await outbox().getDelivery(id);
      if (!row) throw new AppError('delivery_not_found');
      const attempts = await outbox().listAttempts(id);
      return c.json({ ...deliveryView(row), attemptLog: attempts.map((a) => ({ ...a, startedAt: iso(a.startedAt)! })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/deliveries/{deliveryId}/redeliver',
      operationId: 'redeliverWebhookDelivery',
      summary: 'Admin: send a delivery again now, from the start of the retry schedule (same webhook-id)',
      security: admin,
      request: { params: DeliveryIdParam },
      responses: { 202: { description: 'Queued', ...json(RedeliverResponse) }, 401: err('Admin token needed'), 404: err('delivery_not_found') },
    }),
    async (c) => {
      const id = validId(c.req.valid('param').deliveryId);
      if (!(await outbox().redeliver(id, d.now()))) throw new AppError('delivery_not_found');
      d.wake?.();
      return c.json({ deliveryId: id, status: 'pending' as const }, 202);
    },
  );
}

function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}.${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const m = /^(\d{1,15})\.(whd_[0-9A-Za-z]{24})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new AppError('invalid_cursor');
  return { createdAt: Number(m[1]), id: m[2]! };
}
