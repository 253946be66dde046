/**
 * One POST of one event to one URL, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
 * with the `standardwebhooks` package. Redirects are not followed (a 3xx is a failure: the receiver's URL is what was
 * configured, nothing else); the call is bounded by `timeoutMs`; of the receiver's answer only a short excerpt is kept.
 */
import { Webhook } from 'standardwebhooks';

/** Characters of the receiver's body kept in the attempt record (and never more anywhere). */
export const EXCERPT_CHARS = 200;
const EXCERPT_BYTES = EXCERPT_CHARS * 4;

export interface SendResult {
  delivered: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  bodyExcerpt: string | null;
}

export class WebhookSender {
  readonly #wh: Webhook;
  readonly #timeoutMs: number;

  constructor(secret: string, timeoutMs: number) {
    this.#wh = new Webhook(secret);
    this.#timeoutMs = timeoutMs;
  }

  /** The three signature headers for this message now. */
  sign(webhookId: string, payload: string, at = new Date()): Record<string, string> {
    return {
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.#wh.sign(webhookId, at, payload),
    };
  }

  async send(url: string, webhookId: string, payload: string): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal,
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'payment-checkout-webhooks/1', ...this.sign(webhookId, payload) },
        body: payload,
      });
      const bodyExcerpt = await readExcerpt(res);
      const delivered = res.status >= 200 && res.status < 300;
      return { delivered, statusCode: res.status, durationMs: elapsed(), error: delivered ? null : `HTTP ${res.status}`, bodyExcerpt };
    } catch (err) {
      return { delivered: false, statusCode: null, durationMs: elapsed(), error: describe(err, this.#timeoutMs), bodyExcerpt: null };
    }
  }
}

/** Reads at most a few hundred bytes of the answer and drops the rest (the connection is not kept waiting on a large body). */
async function readExcerpt(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short or too slow: the status decided the attempt already.
  } finally {
    reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
  return text.length ? text : null;
}

/** A short, data-free description of a failed call: "timeout after 10000 ms", "ECONNREFUSED", "ECONNRESET", … */
function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const code = e.cause?.code ?? e.code;
  if (code) return String(code).slice(0, 64);
  return (e.cause?.name ?? e.name ?? 'Error').slice(0, 64);
}
