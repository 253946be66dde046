/**
 * `payment-checkout/react`: the `<PaymentCheckout>` component, the `usePaymentStatus` hook, and JSX types for the bare
 * `<payment-checkout>` element. Importing it defines the element (it imports `payment-checkout/widget`). React 19 is a
 * peer dependency.
 */
export { PaymentCheckout, type PaymentCheckoutProps } from './payment-checkout.js';
export { usePaymentStatus, type PaymentStatusState } from './use-payment-status.js';
export type { PaymentCheckoutJsxProps } from './jsx.js';
export * from '../shared/exports.js';
