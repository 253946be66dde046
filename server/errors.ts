/**
 * The one domain error type. Every failure the API answers is an AppError with a code from CODES;
 * `onError` in app.ts maps it once to the contract's shape `{error: {code, message, details?}}`.
 */
export const CODES = {
  bad_request: { status: 400, message: 'The request is not valid HTTP.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  validation_error: { status: 400, message: 'The request does not match the expected schema.' },
  invalid_idempotency_key: { status: 400, message: 'Idempotency-Key must be 1-255 characters of [A-Za-z0-9_.:-], bare or in double quotes ("abc").' },
  idempotency_key_required: { status: 400, message: 'This request needs an Idempotency-Key header.' },
  invalid_card_number: { status: 400, message: 'The card number is not valid.' },
  invalid_expiry: { status: 400, message: 'The card expiry date is not valid or has passed.' },
  invalid_cvc: { status: 400, message: 'The card security code is not valid.' },
  invalid_payment_method: { status: 400, message: 'The payment token is unknown, already used or expired.' },
  invalid_cursor: { status: 400, message: 'The cursor is not valid.' },
  invalid_order_token: { status: 400, message: 'The order token is not valid (signature, algorithm or claims).' },
  order_token_expired: { status: 400, message: 'The order token has expired; ask the shop for a new one.' },
  unauthorized: { status: 401, message: 'Missing or invalid credentials.' },
  card_declined: { status: 402, message: 'The card was declined.' },
  insufficient_funds: { status: 402, message: 'The card has insufficient funds.' },
  processor_error: { status: 402, message: 'The payment processor had a temporary problem; the payment can be retried.' },
  session_not_found: { status: 404, message: 'No such payment session.' },
  order_not_found: { status: 404, message: 'No such order.' },
  product_not_found: { status: 404, message: 'No such product.' },
  not_found: { status: 404, message: 'Not found.' },
  delivery_not_found: { status: 404, message: 'No such webhook delivery.' },
  invalid_transition: { status: 409, message: 'The session cannot do that in its current state.' },
  payment_in_progress: { status: 409, message: 'A payment for this session is already being processed.' },
  order_already_paid: { status: 409, message: 'This order has already been paid.' },
  idempotency_key_in_flight: { status: 409, message: 'A request with this Idempotency-Key is still being processed.' },
  payload_too_large: { status: 413, message: 'The request body is larger than 16 KiB.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as application/json.' },
  idempotency_key_reused: { status: 422, message: 'This Idempotency-Key was already used with a different request.' },
  rate_limited: { status: 429, message: 'Too many requests; retry later.' },
  too_many_streams: { status: 429, message: 'Too many event streams are open; close one first.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  storage_unavailable: { status: 503, message: 'Storage is unavailable; retry shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? CODES[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = CODES[code].status;
    this.details = details;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
