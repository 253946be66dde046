/** Fired when the shopper cancels (after the server accepted it, or locally when the session was already final). */
export interface CheckoutCancelDetail {
  sessionId: string | null;
  reason: string;
}

export class CheckoutCancelEvent extends CustomEvent<CheckoutCancelDetail> {
  static readonly eventName = 'checkout-cancel';
  constructor(detail: CheckoutCancelDetail) {
    super(CheckoutCancelEvent.eventName, { detail, bubbles: true, composed: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'checkout-cancel': CheckoutCancelEvent;
  }
}
