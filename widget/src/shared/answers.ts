/**
 * Reading the payment API's answers (docs/API.md), the same way in the widget (transport/api-client.ts) and in the service
 * worker's outbox: the body's JSON, and the contract's error in it.
 */

/** The contract's error of an answer: `{"error": {code, message, details?}}`. */
export interface ApiError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** A body's text as JSON: null when empty, `undefined` when it is not JSON (a proxy's or a captive portal's page). */
export function jsonOf(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The error of an answer, or null for a 2xx/3xx; a failure without the contract's body (a proxy's page) is `http_<status>`. */
export function errorOf(answer: { status: number; body: unknown }): ApiError | null {
  if (answer.status < 400) return null;
  const e = (answer.body as { error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> } } | null)?.error;
  return {
    code: typeof e?.code === 'string' ? e.code : `http_${answer.status}`,
    message: typeof e?.message === 'string' ? e.message : `HTTP ${answer.status}`,
    details: e?.details ?? {},
  };
}
