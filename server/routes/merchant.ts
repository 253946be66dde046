/**
 * Merchant integration routes (README "Merchant integration"): a merchant backend lists an order's sessions with its
 * key — the server-side check before it ships — and a signed order becomes the input of a session create.
 */
import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import { AppError } from '../errors.js';
import type { OrderTokens } from '../domain/order-tokens.js';
import type { CreateInput, Sessions } from '../domain/sessions.js';
import { sessionView } from '../domain/views.js';
import { merchantOrAdmin } from '../middleware/auth/index.js';
import * as S from './schemas.js';

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(S.ErrorSchema) });

const MERCHANT_READ: Record<string, string[]>[] = [{ merchantKey: [] }, { adminToken: [] }];

export function merchantRoutes(d: { sessions: Sessions; adminToken: string; merchantKey: string | undefined }, app: OpenAPIHono) {
  app.use('/sessions', merchantOrAdmin(d.merchantKey, d.adminToken));
  app.openapi(
    createRoute({
      method: 'get',
      path: '/sessions',
      operationId: 'listOrderSessions',
      summary: "Merchant: an order's sessions, newest first (at most 100): is it paid?",
      description: 'An order is paid when one of its sessions is COMPLETED with the expected amount and currency.',
      security: MERCHANT_READ,
      request: { query: S.OrderSessionsQuery },
      responses: {
        200: { description: "The order's sessions (an unknown order has none)", ...json(S.OrderSessionsResponse) },
        400: err('Missing or malformed orderId'),
        401: err('Merchant key (or admin token) needed'),
      },
    }),
    async (c) => {
      const { orderId, limit } = c.req.valid('query');
      return c.json({ sessions: (await d.sessions.listForOrder(orderId, limit)).map(sessionView) }, 200, { 'Cache-Control': 'no-store' });
    },
  );
}

type CreateBody = z.infer<typeof S.CreateBody>;

/**
 * The create input of a request: a verified signed order (its amount and currency, never the client's), or the orderId
 * it names. `merchant` tells whether the caller may set amount, currency and metadata itself.
 */
export async function createInput(body: CreateBody, merchant: boolean, orderTokens: OrderTokens): Promise<{ input: CreateInput; trusted: boolean }> {
  const priced = body.amount !== undefined || body.currency !== undefined || body.metadata !== undefined;
  if (body.orderToken !== undefined) {
    if (body.orderId !== undefined || priced) {
      throw new AppError('validation_error', 'An orderToken carries its order: send it without orderId, amount, currency or metadata.');
    }
    const order = await orderTokens.verify(body.orderToken);
    return { input: { ...order, userId: body.userId }, trusted: true };
  }
  if (body.orderId === undefined) throw new AppError('validation_error', 'orderId (or orderToken) is required.', [{ path: 'orderId', message: 'Required' }]);
  if (!merchant && priced) throw new AppError('validation_error', 'amount, currency and metadata can only be set with the merchant API key.');
  return { input: { orderId: body.orderId, userId: body.userId, amount: body.amount, currency: body.currency, metadata: body.metadata }, trusted: merchant };
}
