/**
 * payment-checkout.js — defines `<payment-checkout>` (widget/README.md) and exports the element, its event classes and
 * the types of what it shows and reports. The controller, the state machine and the API client are internals: each
 * name exported here is a name the entry keeps (bytes every page downloads), so tests import those from their modules.
 */
import { PaymentCheckout } from './element/payment-checkout.js';

export { PaymentCheckout };
export { CheckoutReadyEvent, type CheckoutReadyDetail } from './events/checkout-ready.js';
export { CheckoutStatusEvent, type CheckoutStatusDetail } from './events/checkout-status.js';
export { CheckoutCompleteEvent, type CheckoutCompleteDetail } from './events/checkout-complete.js';
export { CheckoutCancelEvent, type CheckoutCancelDetail } from './events/checkout-cancel.js';
export { CheckoutErrorEvent, type CheckoutErrorDetail } from './events/checkout-error.js';
export type { ApiAnswer, CheckoutApi } from './transport/api-client.js';
export type { ControllerOptions, ControllerEvent, PaymentSource } from './controller/checkout-controller.js';
export type { CheckoutView, SessionJson, SessionStatus } from './controller/types.js';
export type { CheckoutState, Phase, Presentation } from './controller/machine.js';
export type { OfflineBridge, QueuedRequest, ReplayedAnswer } from './offline/bridge.js';

if (!customElements.get('payment-checkout')) customElements.define('payment-checkout', PaymentCheckout);
