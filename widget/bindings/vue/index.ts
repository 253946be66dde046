/**
 * `payment-checkout/vue`: importing it defines `<payment-checkout>` and adds it to Vue's `GlobalComponents` types.
 * Vue must be told the tag is a custom element (a compile-time option): `isCustomElement` below, in the Vue plugin's
 * `template.compilerOptions` (or `app.config.compilerOptions` with the in-browser compiler). Vue 3 is a peer dependency.
 */
import 'payment-checkout/widget';

export type { PaymentCheckoutEvents, PaymentCheckoutVueComponent, PaymentCheckoutVueProps } from './global-components.js';
export { usePaymentStatus, type PaymentStatusRefs } from './use-payment-status.js';
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

/** For `compilerOptions.isCustomElement`: true for the element's tag, so Vue renders it instead of looking for a component. */
export const isCustomElement = (tag: string): boolean => tag === 'payment-checkout';
export type {
  CheckoutCancelEvent,
  CheckoutCompleteEvent,
  CheckoutErrorEvent,
  CheckoutReadyEvent,
  CheckoutStatusEvent,
  PaymentCheckout as PaymentCheckoutElement,
} from 'payment-checkout/widget';
