/** The demo shop's order source, served under /api/store/* (demo/README.md "Demo store API"): products, orders, their paid flag and payment. */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DemoShop, OrderPaymentView } from '../domain/demo-shop.js';
import { clientAddress, limitPerMinute } from '../middleware/rate-limit/index.js';
import type { OrderRow } from '../domain/model.js';
import * as S from './schemas.js';

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(S.ErrorSchema) });

const orderView = (o: OrderRow & { paid?: boolean; paying?: boolean; payment?: OrderPaymentView }) => ({
  orderId: o.orderId,
  amount: o.amount,
  currency: o.currency,
  items: o.items,
  createdAt: new Date(o.createdAt).toISOString(),
  ...(o.paid === undefined ? {} : { paid: o.paid }),
  ...(o.paying === undefined ? {} : { paying: o.paying }),
  ...(o.payment
    ? { payment: { paymentId: o.payment.paymentId, paidAt: new Date(o.payment.paidAt).toISOString(), brand: o.payment.brand, last4: o.payment.last4 } }
    : {}),
});

/** The order read: the order, `paid`, `paying` (a payment's outcome is still open), and for a paid order its payment. */
const OrderRead = S.OrderResponse.extend({
  paying: z.boolean().optional(),
  payment: z
    .object({ paymentId: z.string(), paidAt: z.string(), brand: z.string().nullable(), last4: z.string().nullable() })
    .optional()
    .openapi({ description: 'Present once the order is paid: the processor payment id, when it was confirmed, the card brand and last four digits' }),
});

export function shopRoutes(d: { demo: DemoShop; ordersPerMin: number }, app: OpenAPIHono) {
  app.use('/orders', limitPerMinute('orders', d.ordersPerMin, clientAddress));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/products',
      summary: 'Demo store: the catalogue',
      responses: { 200: { description: 'Products', ...json(z.object({ products: z.array(S.Product) })) } },
    }),
    async (c) => {
      const products = await d.demo.listProducts();
      return c.json(
        {
          products: products.map((p) => ({
            productId: p.productId,
            name: p.name,
            price: p.price,
            currency: p.currency,
            ...(p.image ? { image: p.image } : {}),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/orders',
      summary: 'Demo store: create an order from cart items',
      request: { body: { ...json(S.OrderBody), required: true } },
      responses: { 201: { description: 'Order', ...json(S.OrderResponse) }, 400: err('Invalid items'), 404: err('Unknown product') },
    }),
    async (c) => c.json(orderView(await d.demo.createOrder(c.req.valid('json').items)), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/orders/{orderId}',
      summary: 'Demo store: an order, whether it is paid (and with what) or a payment for it is still under way',
      request: {
        params: z.object({
          orderId: z
            .string()
            .max(128)
            .refine((v) => !v.includes('\u0000'), 'must not contain a NUL character'),
        }),
      }, // PostgreSQL cannot compare it
      responses: { 200: { description: 'Order', ...json(OrderRead) }, 404: err('Unknown order') },
    }),
    async (c) => c.json(orderView(await d.demo.getOrder(c.req.valid('param').orderId)), 200),
  );
}
