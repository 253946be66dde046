/** Type checks only (not imported by the app): what the package's `GlobalComponents` entry lets a template set. */
import type { GlobalComponents } from 'vue';
import { isCustomElement } from 'payment-checkout/vue';

type Props = InstanceType<GlobalComponents['payment-checkout']>['$props'];

export const ok: Props = { api: '/api/payments', 'order-id': 'ord_1', timeout: 30000, onCheckoutComplete: (e) => e.detail.paymentId };
// @ts-expect-error `order-id` is a string attribute
export const wrongOrder: Props = { 'order-id': 42 };
// @ts-expect-error a complete event carries sessionId, orderId and paymentId, no amount
export const wrongDetail: Props = { onCheckoutComplete: (e) => e.detail.amount };
export const tag: boolean = isCustomElement('payment-checkout');
