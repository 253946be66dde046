/** The webhook outbox's tables (migration 0006_webhooks) as Kysely sees them, and its rows as the outbox hands them out. */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookEventsTable {
  id: string;
  type: string;
  session_id: string;
  payload: string;
  created_at: number;
}
export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  type: string;
  session_id: string;
  url: string;
  status: string;
  attempts: number;
  /** Position in the retry schedule (0 = first try); a redelivery starts it again. */
  step: number;
  next_attempt_at: number | null;
  lease_until: number;
  lease_owner: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}
export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  body_excerpt: string | null;
}
export interface WebhookDB {
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

export interface NewEvent {
  id: string;
  type: string;
  sessionId: string;
  payload: string;
  createdAt: number;
  deliveries: { id: string; url: string }[];
}

export interface DeliveryRow {
  deliveryId: string;
  webhookId: string;
  type: string;
  sessionId: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  step: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A leased delivery with what is needed to send it. */
export interface ClaimedDelivery extends DeliveryRow {
  payload: string;
}

export interface AttemptRecord {
  attempt: number;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  bodyExcerpt: string | null;
}

export function deliveryFromDb(r: WebhookDeliveriesTable): DeliveryRow {
  return {
    deliveryId: r.id,
    webhookId: r.event_id,
    type: r.type,
    sessionId: r.session_id,
    url: r.url,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    step: r.step,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
