/** The test processor's public face (CONTRACT §3): card tokenisation for the browser, the ledger for the admin. */
import { OpenAPIHono, createRoute, type z } from '@hono/zod-openapi';
import { adminOnly } from '../middleware/auth/index.js';
import { clientAddress, limitPerMinute } from '../middleware/rate-limit/index.js';
import type { PaymentProcessor } from '../processor/types.js';
import * as S from './schemas.js';

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(S.ErrorSchema) });

export function processorRoutes(d: { processor: PaymentProcessor; adminToken: string; tokensPerMin: number }, app: OpenAPIHono) {
  app.use('/test-processor/tokens', limitPerMinute('tokens', d.tokensPerMin, clientAddress));
  app.use('/test-processor/charges', adminOnly(d.adminToken));

  app.openapi(
    createRoute({
      method: 'post',
      path: '/test-processor/tokens',
      summary: 'Test processor: turn card details into a single-use token',
      request: { body: { ...json(S.TokenBody), required: true } },
      responses: {
        201: { description: 'Token', ...json(S.TokenResponse) },
        400: err('invalid_card_number, invalid_expiry or invalid_cvc'),
        429: err('Too many tokens'),
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
      summary: "Admin: the test processor's ledger",
      security: [{ adminToken: [] }],
      request: { query: S.ChargesQuery },
      responses: { 200: { description: 'Charges, newest first', ...json(S.ChargesResponse) }, 401: err('Admin token needed') },
    }),
    async (c) => c.json({ charges: await d.processor.listCharges(c.req.valid('query')) }, 200),
  );
}
