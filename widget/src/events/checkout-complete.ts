import { checkoutEvent } from './checkout-event.js';

/** Fired once when the session is COMPLETED (the processor holds exactly one successful charge for it). */
export interface CheckoutCompleteDetail {
  sessionId: string;
  orderId: string;
  paymentId: string;
}

export class CheckoutCompleteEvent extends checkoutEvent<CheckoutCompleteDetail>('checkout-complete') {}

declare global {
  interface GlobalEventHandlersEventMap {
    'checkout-complete': CheckoutCompleteEvent;
  }
}
