/** Fired once when the session is COMPLETED (the processor holds exactly one successful charge for it). */
export interface CheckoutCompleteDetail {
  sessionId: string;
  orderId: string;
  paymentId: string;
}

export class CheckoutCompleteEvent extends CustomEvent<CheckoutCompleteDetail> {
  static readonly eventName = 'checkout-complete';
  constructor(detail: CheckoutCompleteDetail) {
    super(CheckoutCompleteEvent.eventName, { detail, bubbles: true, composed: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'checkout-complete': CheckoutCompleteEvent;
  }
}
