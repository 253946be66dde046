/**
 * The shop's webhook receiver: verifies a Standard Webhooks signature over the raw body (the bytes as received, before
 * any JSON parsing), then marks the order paid on `checkout.session.completed` only.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { Orders, PaymentSession } from './orders.js';

export interface PaymentEvent {
  type: string;
  timestamp: string;
  data: PaymentSession;
}

export class InvalidWebhook extends Error {}

/** The verified event, or InvalidWebhook (bad or missing signature, stale timestamp, not the expected shape). */
export function verifyWebhook(secret: string, rawBody: string, headers: Record<string, string | undefined>): PaymentEvent {
  const signed = {
    'webhook-id': headers['webhook-id'] ?? '',
    'webhook-timestamp': headers['webhook-timestamp'] ?? '',
    'webhook-signature': headers['webhook-signature'] ?? '',
  };
  let event: unknown;
  try {
    event = new Webhook(secret).verify(rawBody, signed); // also refuses a timestamp more than 5 minutes off
  } catch (err) {
    throw new InvalidWebhook(err instanceof WebhookVerificationError ? err.message : 'unverifiable payload');
  }
  const e = event as Partial<PaymentEvent> | null;
  const d = e?.data as Partial<PaymentSession> | undefined;
  if (typeof e?.type !== 'string' || typeof d?.orderId !== 'string' || typeof d.sessionId !== 'string' || typeof d.amount !== 'number') {
    throw new InvalidWebhook('signed, but not a payment event');
  }
  return e as PaymentEvent;
}

/** What the receiver does with a verified event; every answer is a 2xx (a retry would not change it). */
export function applyEvent(orders: Orders, event: PaymentEvent): string {
  if (event.type !== 'checkout.session.completed') return 'ignored';
  return orders.markPaid(event.data, 'webhook');
}
