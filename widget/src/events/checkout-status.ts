/** Fired whenever the session's status, attempt number or attempt limit changes. `status` is lower case, like the attribute. */
export interface CheckoutStatusDetail {
  status: string;
  attempt: number;
  maxAttempts: number;
}

export class CheckoutStatusEvent extends CustomEvent<CheckoutStatusDetail> {
  static readonly eventName = 'checkout-status';
  constructor(detail: CheckoutStatusDetail) {
    super(CheckoutStatusEvent.eventName, { detail, bubbles: true, composed: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'checkout-status': CheckoutStatusEvent;
  }
}
