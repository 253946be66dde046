/** What the controller and the view share beyond the wire types (`transport/wire.ts`, re-exported here). */
import type { CheckoutState } from './machine.js';

export { FINAL_STATUSES, isFinal, type CardInput, type SessionJson, type SessionStatus } from '../transport/wire.js';

/** Everything the view needs, and everything a mirroring tab receives: the state machine's state (`machine.ts`). */
export type CheckoutView = CheckoutState;
