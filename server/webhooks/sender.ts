/**
 * One POST of one event to one URL, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
 * with the `standardwebhooks` package. Node's http client over keep-alive agents (a third of fetch's CPU per call,
 * measured under the checkout load); it never follows a redirect, so a 3xx is a failed attempt (the receiver is the URL
 * that was configured, nothing else). The whole exchange is bounded by `timeoutMs`; of the answer only its status and a
 * short excerpt are kept, and a longer body is cut off.
 */
import http from 'node:http';
import https from 'node:https';
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
  readonly #agents = { http: new http.Agent({ keepAlive: true, maxSockets: 32 }), https: new https.Agent({ keepAlive: true, maxSockets: 32 }) };

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

  send(url: string, webhookId: string, payload: string): Promise<SendResult> {
    const started = performance.now();
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    return new Promise((resolve) => {
      let statusCode: number | null = null;
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (error: string | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const delivered = error === null && statusCode !== null && statusCode >= 200 && statusCode < 300;
        const text = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
        resolve({
          delivered,
          statusCode,
          durationMs: Math.round(performance.now() - started),
          error: delivered ? null : (error ?? `HTTP ${statusCode}`),
          bodyExcerpt: text.length ? text : null,
        });
      };
      const req = (secure ? https : http).request(
        u,
        {
          method: 'POST',
          agent: secure ? this.#agents.https : this.#agents.http,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(payload),
            'User-Agent': 'payment-checkout-webhooks/1',
            ...this.sign(webhookId, payload),
          },
        },
        (res) => {
          statusCode = res.statusCode ?? null;
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.length;
            if (size >= EXCERPT_BYTES) {
              finish(null); // enough: the status decided the attempt; the rest is not read
              res.destroy();
            }
          });
          res.on('end', () => finish(null));
          res.on('error', () => finish(null));
          res.on('aborted', () => finish(null));
        },
      );
      // Past the bound: no status yet is a timeout; a status with a body still coming counts as that status.
      const timer = setTimeout(() => {
        finish(statusCode === null ? `timeout after ${this.#timeoutMs} ms` : null);
        req.destroy();
      }, this.#timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => finish(statusCode === null ? describe(err) : null));
      req.end(payload);
    });
  }

  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }
}

/** A short, data-free description of a failed call: "ECONNREFUSED", "ECONNRESET", … */
function describe(err: NodeJS.ErrnoException): string {
  return String(err.code ?? err.name ?? 'Error').slice(0, 64);
}
