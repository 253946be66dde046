/**
 * `payment-checkout/react`: the `<PaymentCheckout>` component, the `usePaymentStatus` hook, and JSX types for the bare
 * `<payment-checkout>` element. Importing it defines the element (it imports `payment-checkout/widget`). React 19 is a
 * peer dependency.
 */
export { PaymentCheckout, type PaymentCheckoutProps } from './payment-checkout.js';
export { usePaymentStatus, type PaymentStatusState } from './use-payment-status.js';
export type { PaymentCheckoutJsxProps } from './jsx.js';
export {
  FINAL_STATUSES,
  DEFAULT_INTERVAL_MS,
  DEFAULT_MAX_POLLS,
  isFinalStatus,
  type PaymentSession,
  type PaymentSessionStatus,
  type PaymentStatusError,
  type PaymentStatusOptions,
  type PaymentStatusSource,
} from '../status/payment-status.js';
export type {
  CheckoutCancelEvent,
  CheckoutCompleteEvent,
  CheckoutErrorEvent,
  CheckoutReadyEvent,
  CheckoutStatusEvent,
  PaymentCheckout as PaymentCheckoutElement,
} from 'payment-checkout/widget';
