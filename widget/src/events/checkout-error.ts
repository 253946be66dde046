import { checkoutEvent } from './checkout-event.js';

/**
 * Fired for every failure the shopper is told about (declines, timeouts, network loss, refused operations).
 * The widget never throws at its host page: this event is how failures come out. `retryable` says whether Retry can help.
 */
export interface CheckoutErrorDetail {
  code: string;
  message: string;
  retryable: boolean;
}

export class CheckoutErrorEvent extends checkoutEvent<CheckoutErrorDetail>('checkout-error') {}

declare global {
  interface GlobalEventHandlersEventMap {
    'checkout-error': CheckoutErrorEvent;
  }
}
