/**
 * What `payment-checkout/react` and `payment-checkout/vue` both export besides their own component and hook, listed
 * once: the status feed's constants and types, and the element's class and event types.
 */
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
  type PaymentStatusUpdate,
} from '../status/payment-status.js';
export type { PaymentCheckoutAttributes, PaymentCheckoutEvents } from './element.js';
export type {
  CheckoutCancelEvent,
  CheckoutCompleteEvent,
  CheckoutErrorEvent,
  CheckoutReadyEvent,
  CheckoutStatusEvent,
  PaymentCheckout as PaymentCheckoutElement,
} from 'payment-checkout/widget';
