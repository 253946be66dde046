/**
 * Turns a session's move to a final status into an outbox event, inside the transaction that makes the move
 * (domain/sessions.ts and domain/settlement.ts call it), and wakes the dispatcher once that transaction has committed.
 */
import { sessionView } from '../domain/views.js';
import { randomId } from '../ids.js';
import type { SessionRow, SessionStatus } from '../domain/model.js';
import type { Repositories } from '../store/types.js';

export const EVENT_TYPES = {
  COMPLETED: 'checkout.session.completed',
  FAILED_MAX_RETRIES: 'checkout.session.failed',
  CANCELLED: 'checkout.session.cancelled',
  EXPIRED: 'checkout.session.expired',
} as const satisfies Partial<Record<SessionStatus, string>>;
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

export interface WebhookBody {
  type: EventType;
  timestamp: string;
  data: ReturnType<typeof sessionView>;
}

export class WebhookRecorder {
  readonly #urls: readonly string[];
  readonly #wake: () => void;

  constructor(urls: readonly string[], wake: () => void = () => {}) {
    this.#urls = urls;
    this.#wake = wake;
  }

  /** Whether a change from `before` to `after` makes an event: a final status reached by it, and somewhere to send it. */
  wants(before: SessionStatus, after: SessionStatus | undefined): boolean {
    return this.#urls.length > 0 && after !== undefined && after !== before && after in EVENT_TYPES;
  }

  /** Writes the event for `s` (the session as the transaction leaves it) and one delivery per URL. Call it inside that transaction. */
  async record(tx: Repositories, s: SessionRow): Promise<void> {
    const type = EVENT_TYPES[s.status as keyof typeof EVENT_TYPES];
    if (!type || !this.#urls.length) return;
    const body: WebhookBody = { type, timestamp: new Date(s.updatedAt).toISOString(), data: sessionView(s) };
    await tx.webhooks.insertEvent({
      id: randomId('msg'),
      type,
      sessionId: s.id,
      payload: JSON.stringify(body),
      createdAt: s.updatedAt,
      deliveries: this.#urls.map((url) => ({ id: randomId('whd'), url })),
    });
  }

  /** After the transaction that recorded events resolved: the dispatcher sends them once they are durable. */
  committed(): void {
    if (this.#urls.length) this.#wake();
  }
}

/** For wiring without webhooks (tools, tests): records nothing. */
export const NO_WEBHOOKS = new WebhookRecorder([]);
