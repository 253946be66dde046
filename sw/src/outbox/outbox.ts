/**
 * The outbox: session POSTs that could not reach the server, kept with their original Idempotency-Key and sent again later.
 *
 * Public API of the queue (the worker's fetch handler and triggers use only this); storage is behind `OutboxStore`,
 * the answer policy in `replay-policy.ts`, the timing in `replay-scheduler.ts`.
 *
 * Unlike Workbox's background sync, an entry is never removed before its answer is known: it is read, sent, and removed
 * only on a final answer (2xx or a final 4xx). Sending it twice is safe because it always carries the same key.
 */
import {
  OUTBOX_RETENTION_MS,
  type OutboxDroppedMessage,
  type OutboxItem,
  type OutboxQueuedMessage,
  type OutboxResultMessage,
  type WireAnswer,
} from '../../../widget/src/shared/protocol.js';
import { jsonOf } from '../../../widget/src/shared/answers.js';
import { judgeAnswer } from './replay-policy.js';
import type { OutboxStore, StoredOutboxEntry } from './store.js';
import { toOutboxEntry, toRequest, type UnstorableReason } from './storable-request.js';

/** A replay that neither answers nor fails within this long is abandoned for this pass (the entry stays). */
export const REPLAY_REQUEST_TIMEOUT_MS = 60_000; // 1 min: /complete may wait PAYMENT_TIMEOUT_MS (30 s) for the processor

export type OutboxNotice = OutboxQueuedMessage | OutboxResultMessage | OutboxDroppedMessage;

export interface OutboxLogger {
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
}

export interface OutboxDeps {
  store: OutboxStore;
  /** The network (the worker's global fetch). */
  fetch: (request: Request, init?: RequestInit) => Promise<Response>;
  /** Told about every queued, answered and dropped entry (the worker broadcasts these to the pages). */
  notify: (notice: OutboxNotice) => void;
  /** Keeps a final answer for pages that open later. */
  keepAnswer?: (item: OutboxItem, answer: WireAnswer) => Promise<void>;
  /** Runs one replay pass at a time across every instance of the worker (old and new during an update). */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
  now?: () => number;
  log?: OutboxLogger;
}

export interface ReplayReport {
  delivered: number;
  kept: number;
  dropped: number;
  /** Entries still waiting after the pass. */
  remaining: number;
  /** The pass stopped on a network failure: the server is unreachable, later entries were not tried. */
  unreachable: boolean;
  /** The longest `Retry-After` the server asked for, in ms. */
  retryAfterMs: number | null;
}

const silentLog: OutboxLogger = { info() {}, warn() {} };

export class Outbox {
  readonly #deps: Required<Omit<OutboxDeps, 'keepAnswer'>> & Pick<OutboxDeps, 'keepAnswer'>;
  #running: Promise<ReplayReport> | null = null;
  #again = false;

  constructor(deps: OutboxDeps) {
    this.#deps = { exclusive: (fn) => fn(), now: Date.now, log: silentLog, ...deps };
  }

  /**
   * Stores a request that failed for lack of network. Returns the stored entry (an existing one when the same
   * Idempotency-Key already waits), or why it cannot be stored.
   */
  async enqueue(request: Request, error: string): Promise<StoredOutboxEntry | UnstorableReason> {
    const entry = await toOutboxEntry(request, this.#deps.now());
    if (typeof entry === 'string') return entry;
    entry.lastError = error;
    const stored = await this.#deps.store.add(entry);
    this.#deps.log.info(`queued ${stored.method} ${new URL(stored.url).pathname} as #${stored.id}`, { reason: error });
    this.#deps.notify({ type: 'outbox-queued', item: toItem(stored) });
    return stored;
  }

  async items(): Promise<OutboxItem[]> {
    return (await this.#deps.store.all()).map(toItem);
  }

  /**
   * Sends every waiting entry once, oldest first. Calls during a pass share it and cause one more pass right after,
   * so an entry queued meanwhile is not left waiting for the next trigger.
   */
  replay(): Promise<ReplayReport> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = async (): Promise<ReplayReport> => {
      try {
        let report: ReplayReport;
        do {
          this.#again = false;
          report = await this.#deps.exclusive(() => this.#pass());
        } while (this.#again && report.remaining > 0 && !report.unreachable);
        return report;
      } finally {
        this.#running = null;
      }
    };
    this.#running = run();
    return this.#running;
  }

  async #pass(): Promise<ReplayReport> {
    const { store, log } = this.#deps;
    const report: ReplayReport = { delivered: 0, kept: 0, dropped: 0, remaining: 0, unreachable: false, retryAfterMs: null };
    // A session's requests must reach the server in order (interrupt → resume → complete): once one of them has to wait,
    // the later ones wait too, or they would be answered `409 invalid_transition` and wrongly leave the outbox.
    const waitingSessions = new Set<string>();
    for (const entry of await store.all()) {
      const item = toItem(entry);
      const age = this.#deps.now() - entry.queuedAt;
      if (age > OUTBOX_RETENTION_MS) {
        await this.#drop(entry, 'expired', `queued ${Math.round(age / 3_600_000)} h ago, past the 24 h idempotency retention: replaying it could act twice`);
        report.dropped++;
        continue;
      }
      if (entry.sessionId !== null && waitingSessions.has(entry.sessionId)) {
        report.kept++;
        continue;
      }
      let request: Request;
      try {
        request = toRequest(entry);
      } catch (err) {
        await this.#drop(entry, 'invalid', `cannot rebuild the request: ${messageOf(err)}`);
        report.dropped++;
        continue;
      }
      let answer: WireAnswer;
      try {
        const response = await this.#deps.fetch(request, { signal: AbortSignal.timeout(REPLAY_REQUEST_TIMEOUT_MS) });
        answer = await readAnswer(response);
      } catch (err) {
        await store.update({ ...entry, attempts: entry.attempts + 1, lastError: `network: ${messageOf(err)}` });
        report.unreachable = true;
        report.kept++;
        break;
      }
      const verdict = judgeAnswer(answer, this.#deps.now());
      if (verdict.kind === 'keep') {
        await store.update({ ...entry, attempts: entry.attempts + 1, lastError: verdict.reason });
        if (entry.sessionId !== null) waitingSessions.add(entry.sessionId);
        if (verdict.retryAfterMs !== null) report.retryAfterMs = Math.max(report.retryAfterMs ?? 0, verdict.retryAfterMs);
        report.kept++;
        log.info(`#${entry.id} stays in the outbox: ${verdict.reason}`);
        continue;
      }
      const answered = { ...item, attempts: entry.attempts + 1 };
      // Keep the answer before removing the entry: if the worker dies in between, the entry is simply sent again
      // with the same key and the server answers the same.
      await this.#deps.keepAnswer?.(answered, answer).catch((err: unknown) => log.warn(`could not keep the answer of #${entry.id}`, err));
      await store.remove(entry.id);
      report.delivered++;
      log.info(`#${entry.id} delivered: ${answer.status}`);
      this.#deps.notify({ type: 'outbox-result', item: answered, answer });
    }
    report.remaining = (await store.all()).length;
    return report;
  }

  async #drop(entry: StoredOutboxEntry, reason: 'expired' | 'invalid', message: string): Promise<void> {
    await this.#deps.store.remove(entry.id);
    this.#deps.log.warn(`dropped #${entry.id} ${entry.method} ${entry.url} (key ${entry.idempotencyKey}) without sending it: ${message}`);
    this.#deps.notify({ type: 'outbox-dropped', item: toItem(entry), reason, message });
  }
}

export function toItem(entry: StoredOutboxEntry): OutboxItem {
  const { id, url, method, idempotencyKey, sessionId, queuedAt, attempts, lastError } = entry;
  return { id, url, method, idempotencyKey, sessionId, queuedAt, attempts, lastError };
}

export async function readAnswer(response: Response): Promise<WireAnswer> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  const text = await response.text();
  const body = jsonOf(text);
  return { status: response.status, headers, body: body === undefined ? text : body };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
