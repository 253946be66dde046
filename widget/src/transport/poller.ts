/**
 * Polls a session's status when the event stream is not available: every `intervalMs` (2000 ms), at most `maxPolls`
 * (30) times, stopping early when the session is final. Failed polls count and are reported; they do not stop it.
 *
 * @example
 * ```ts
 * const poller = new PaymentStatusPoller({ fetchSession: () => getSession(id), onSession: render, intervalMs: 1000 });
 * poller.start();
 * // …later
 * poller.stop();
 * ```
 */
import { isFinal, type SessionJson } from './wire.js';

export interface PollerOptions {
  fetchSession: () => Promise<SessionJson>;
  onSession: (session: SessionJson) => void;
  onError?: (err: unknown) => void;
  /** Called once when the poller stops by itself (final status or maxPolls reached). */
  onDone?: (reason: 'final' | 'exhausted') => void;
  /** Time between polls, in ms. */
  intervalMs?: number;
  maxPolls?: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 2_000; // 2 s
export const DEFAULT_MAX_POLLS = 30; // with 2 s: one minute

export class PaymentStatusPoller {
  readonly intervalMs: number;
  readonly maxPolls: number;
  #polls = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  readonly #o: PollerOptions;

  constructor(options: PollerOptions) {
    this.#o = options;
    this.intervalMs = options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.maxPolls = options.maxPolls ?? DEFAULT_MAX_POLLS;
  }

  get running(): boolean {
    return this.#running;
  }

  /** How many polls were made since start(). */
  get polls(): number {
    return this.#polls;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#polls = 0;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#poll(), this.intervalMs);
  }

  async #poll(): Promise<void> {
    if (!this.#running) return;
    this.#polls++;
    try {
      const session = await this.#o.fetchSession();
      if (!this.#running) return;
      this.#o.onSession(session);
      if (isFinal(session.status)) return this.#finish('final');
    } catch (err) {
      if (!this.#running) return;
      this.#o.onError?.(err);
    }
    if (this.#polls >= this.maxPolls) return this.#finish('exhausted');
    this.#schedule();
  }

  #finish(reason: 'final' | 'exhausted'): void {
    this.stop();
    this.#o.onDone?.(reason);
  }
}
